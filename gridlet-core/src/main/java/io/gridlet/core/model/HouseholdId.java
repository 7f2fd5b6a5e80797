package io.gridlet.core.model;

import java.util.Comparator;

/** A household: unique by (house, household); ordered by those ids. */
public record HouseholdId(long house, long household) implements Comparable<HouseholdId> {

    private static final Comparator<HouseholdId> ORDER = Comparator.comparingLong(HouseholdId::house)
            .thenComparingLong(HouseholdId::household);

    @Override
    public int compareTo(HouseholdId other) {
        return ORDER.compare(this, other);
    }
}
