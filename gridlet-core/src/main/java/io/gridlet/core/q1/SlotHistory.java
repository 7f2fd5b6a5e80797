package io.gridlet.core.q1;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;

/**
 * The average loads of one plug or house in its completed slices, grouped by slot of the day
 * ({@code slice mod k}), each group kept sorted so that its median is a lookup. A group gains one value a day,
 * so insertion by shifting is cheap; the arrays of a slot are allocated on first use.
 */
final class SlotHistory implements SlotModel {
    private final double[][] values;
    private final int[] counts;

    SlotHistory(int slotsPerDay) {
        values = new double[slotsPerDay][];
        counts = new int[slotsPerDay];
    }

    @Override
    public void add(int slot, double value) {
        double[] a = values[slot];
        int n = counts[slot];
        if (a == null) a = values[slot] = new double[4];
        else if (n == a.length) a = values[slot] = Arrays.copyOf(a, n * 2);
        int at = n;
        while (at > 0 && a[at - 1] > value) at--;
        System.arraycopy(a, at, a, at + 1, n - at);
        a[at] = value;
        counts[slot] = n + 1;
    }

    /** Q1's formula: the current average with the slot's median ({@link SlicePredictor}). */
    @Override
    public double predict(double currentAverage, int slot) {
        return SlicePredictor.predict(currentAverage, median(slot));
    }

    /** Median of the slot's values, or NaN if it has none. */
    double median(int slot) {
        int n = counts[slot];
        if (n == 0) return Double.NaN;
        double[] a = values[slot];
        return (n & 1) == 1 ? a[n >> 1] : (a[(n >> 1) - 1] + a[n >> 1]) / 2.0;
    }

    @Override
    public void writeTo(DataOutput out) throws IOException {
        int used = 0;
        for (int c : counts) if (c > 0) used++;
        out.writeInt(used);
        for (int s = 0; s < counts.length; s++) {
            if (counts[s] == 0) continue;
            out.writeInt(s);
            out.writeInt(counts[s]);
            for (int i = 0; i < counts[s]; i++) out.writeDouble(values[s][i]);
        }
    }

    @Override
    public void readFrom(DataInput in) throws IOException {
        int used = in.readInt();
        for (int u = 0; u < used; u++) {
            int slot = in.readInt();
            int n = in.readInt();
            double[] a = new double[Math.max(4, n)];
            for (int i = 0; i < n; i++) a[i] = in.readDouble();
            values[slot] = a;
            counts[slot] = n;
        }
    }
}
