package io.gridlet.core.model;

import java.util.Comparator;

/** A plug: unique by (house, household, plug); ordered by those ids, as the spec orders output lines. */
public record PlugId(long house, long household, long plug) implements Comparable<PlugId> {

    private static final Comparator<PlugId> ORDER = Comparator.comparingLong(PlugId::house)
            .thenComparingLong(PlugId::household)
            .thenComparingLong(PlugId::plug);

    public HouseholdId householdId() {
        return new HouseholdId(house, household);
    }

    @Override
    public int compareTo(PlugId other) {
        return ORDER.compare(this, other);
    }
}
