package io.gridlet.core.engine;

import io.gridlet.core.q1.Forecaster;

import java.util.Arrays;

/**
 * What the two queries compute: the slice epoch and sizes of Q1 and its forecaster (the spec's unless chosen
 * otherwise), the window sizes of Q2. {@link #DEFAULT} is the spec's (debs14-queries.md).
 */
public record QueryConfig(long epoch, int[] sliceSeconds, int[] windowSeconds, Forecaster forecaster) {
    /** 2013-09-01 00:00:00 CEST, the local midnight before the first reading of the DEBS'14 set. */
    public static final long DEFAULT_EPOCH = 1_377_986_400L;
    public static final int[] DEFAULT_SLICES = {60, 300, 900, 3600, 7200};
    public static final int[] DEFAULT_WINDOWS = {3600, 86_400};
    public static final QueryConfig DEFAULT = new QueryConfig(DEFAULT_EPOCH, DEFAULT_SLICES, DEFAULT_WINDOWS);

    public QueryConfig {
        sliceSeconds = sliceSeconds.clone();
        windowSeconds = windowSeconds.clone();
        if (forecaster == null) throw new IllegalArgumentException("a forecaster");
    }

    /** With the spec's forecaster. */
    public QueryConfig(long epoch, int[] sliceSeconds, int[] windowSeconds) {
        this(epoch, sliceSeconds, windowSeconds, Forecaster.SPEC);
    }

    public QueryConfig withEpoch(long newEpoch) {
        return new QueryConfig(newEpoch, sliceSeconds, windowSeconds, forecaster);
    }

    public QueryConfig withForecaster(Forecaster f) {
        return new QueryConfig(epoch, sliceSeconds, windowSeconds, f);
    }

    @Override
    public int[] sliceSeconds() {
        return sliceSeconds.clone();
    }

    @Override
    public int[] windowSeconds() {
        return windowSeconds.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof QueryConfig c && c.epoch == epoch && Arrays.equals(c.sliceSeconds, sliceSeconds)
                && Arrays.equals(c.windowSeconds, windowSeconds) && c.forecaster == forecaster;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(epoch) * 31 + Arrays.hashCode(sliceSeconds) * 17 + Arrays.hashCode(windowSeconds)
                + forecaster.hashCode();
    }

    @Override
    public String toString() {
        return "QueryConfig[epoch=" + epoch + ", slices=" + Arrays.toString(sliceSeconds)
                + ", windows=" + Arrays.toString(windowSeconds)
                + (forecaster == Forecaster.SPEC ? "" : ", forecaster=" + forecaster.label()) + "]";
    }
}
