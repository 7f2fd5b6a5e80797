package io.gridlet.core.q1;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;

/**
 * A forecaster beside the spec's (an option, never Q1 itself): seasonal exponential smoothing of one plug's or
 * house's slice averages, fitted online: each slot of the day keeps an exponentially weighted average of its
 * slices over the days ({@link #GAMMA}: the weight of the newest day), and a slice is forecast as its slot's
 * average, or as the current slice's average before its slot has been seen. State: one number per slot of the
 * day, whatever the length of the history (the spec's predictor keeps every past slice).
 */
public final class SeasonalSmoothing implements SlotModel {
    /** Weight of the newest day in a slot's average. */
    public static final double GAMMA = 0.5;

    private final double[] season; // NaN: slot not seen yet

    public SeasonalSmoothing(int slotsPerDay) {
        season = new double[slotsPerDay];
        Arrays.fill(season, Double.NaN);
    }

    @Override
    public void add(int slot, double average) {
        double s = season[slot];
        season[slot] = Double.isNaN(s) ? average : GAMMA * average + (1 - GAMMA) * s;
    }

    @Override
    public double predict(double currentAverage, int slot) {
        double s = season[slot];
        return Double.isNaN(s) ? currentAverage : s;
    }

    @Override
    public void writeTo(DataOutput out) throws IOException {
        int seen = 0;
        for (double s : season) if (!Double.isNaN(s)) seen++;
        out.writeInt(seen);
        for (int slot = 0; slot < season.length; slot++) {
            if (Double.isNaN(season[slot])) continue;
            out.writeInt(slot);
            out.writeDouble(season[slot]);
        }
    }

    @Override
    public void readFrom(DataInput in) throws IOException {
        int seen = in.readInt();
        if (seen < 0 || seen > season.length) throw new IOException("a seasonal state of " + seen + " slots");
        for (int i = 0; i < seen; i++) {
            int slot = in.readInt();
            if (slot < 0 || slot >= season.length) throw new IOException("slot " + slot + " of " + season.length);
            season[slot] = in.readDouble();
        }
    }
}
