package io.gridlet.core.q1;

import java.util.Locale;

/**
 * Which forecaster Q1's files carry: the spec's ({@link #SPEC}, the default: the current slice's average and the
 * median of the same slot on earlier days), or {@link SeasonalSmoothing} ({@link #SEASONAL}, an option beside the
 * spec, scored side by side by {@code gridlet accuracy}).
 */
public enum Forecaster {
    SPEC, SEASONAL;

    /** A plug's or house's model at a slice size with {@code slotsPerDay} slots. */
    SlotModel model(int slotsPerDay) {
        return this == SPEC ? new SlotHistory(slotsPerDay) : new SeasonalSmoothing(slotsPerDay);
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The forecaster of this label ({@code spec}, {@code seasonal}). */
    public static Forecaster of(String label) {
        for (Forecaster f : values()) if (f.label().equals(label)) return f;
        throw new IllegalArgumentException("unknown forecaster " + label + " (spec or seasonal)");
    }
}
