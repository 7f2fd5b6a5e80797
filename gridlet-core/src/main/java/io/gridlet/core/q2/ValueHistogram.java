package io.gridlet.core.q2;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * Counts of non-negative int values (loads in milliwatts) that answer order statistics exactly: the global
 * median of every load in a window.
 *
 * <p>A three-level radix histogram (11 + 10 + 10 bits): add and remove touch three counters, whatever the
 * window holds, and memory grows with the spread of distinct values, not with the number of readings (180 M
 * readings of a 24 h window share a few million distinct milliwatt values). A rank is found by walking at most
 * 2048 + 1024 + 1024 counters, once per evaluated timestamp.
 */
public final class ValueHistogram {
    private static final int TOP = 2048;  // value >>> 20
    private static final int MID = 1024;  // (value >>> 10) & 1023
    private static final int LOW = 1024;  // value & 1023

    private final long[] top = new long[TOP];
    private final int[][] mid = new int[TOP][];
    private final int[][][] low = new int[TOP][][];
    private long size;

    public long size() {
        return size;
    }

    public void add(int value) {
        add(value, 1);
    }

    /** Adds {@code count} occurrences of {@code value}. */
    public void add(int value, int count) {
        if (value < 0) throw new IllegalArgumentException("negative value " + value);
        if (count < 0) throw new IllegalArgumentException("negative count " + count);
        int t = value >>> 20, m = (value >>> 10) & (MID - 1), l = value & (LOW - 1);
        int[] mids = mid[t];
        if (mids == null) {
            mids = mid[t] = new int[MID];
            low[t] = new int[MID][];
        }
        int[] lows = low[t][m];
        if (lows == null) lows = low[t][m] = new int[LOW];
        top[t] += count;
        mids[m] += count;
        lows[l] += count;
        size += count;
    }

    /** Removes one occurrence of {@code value}; returns false if there was none. */
    public boolean remove(int value) {
        if (value < 0) return false;
        int t = value >>> 20, m = (value >>> 10) & (MID - 1), l = value & (LOW - 1);
        int[][] lowT = low[t];
        if (lowT == null || lowT[m] == null || lowT[m][l] == 0) return false;
        lowT[m][l]--;
        mid[t][m]--;
        top[t]--;
        size--;
        return true;
    }

    /** The value of rank {@code r} (0-based) in sorted order. */
    public int kth(long r) {
        if (r < 0 || r >= size) throw new IndexOutOfBoundsException("rank " + r + " of " + size);
        int t = 0;
        while (r >= top[t]) {
            r -= top[t];
            t++;
        }
        int[] mids = mid[t];
        int m = 0;
        while (r >= mids[m]) {
            r -= mids[m];
            m++;
        }
        int[] lows = low[t][m];
        int l = 0;
        while (r >= lows[l]) {
            r -= lows[l];
            l++;
        }
        return (t << 20) | (m << 10) | l;
    }

    /** Writes the non-zero counts as (value, count) pairs. */
    public void writeTo(DataOutput out) throws IOException {
        int distinct = 0;
        for (int t = 0; t < TOP; t++) {
            if (top[t] == 0) continue;
            for (int m = 0; m < MID; m++) {
                if (mid[t][m] == 0) continue;
                for (int c : low[t][m]) if (c != 0) distinct++;
            }
        }
        out.writeInt(distinct);
        for (int t = 0; t < TOP; t++) {
            if (top[t] == 0) continue;
            for (int m = 0; m < MID; m++) {
                if (mid[t][m] == 0) continue;
                int[] lows = low[t][m];
                for (int l = 0; l < LOW; l++) {
                    if (lows[l] == 0) continue;
                    out.writeInt((t << 20) | (m << 10) | l);
                    out.writeInt(lows[l]);
                }
            }
        }
    }

    /** Adds the counts written by {@link #writeTo}. */
    public void readFrom(DataInput in) throws IOException {
        int distinct = in.readInt();
        for (int i = 0; i < distinct; i++) {
            int value = in.readInt();
            add(value, in.readInt());
        }
    }

    /** Twice the median (the mean of two middle values stays an exact integer). Empty: error. */
    public long doubledMedian() {
        if (size == 0) throw new IllegalStateException("median of nothing");
        long half = size >> 1;
        if ((size & 1) == 1) return 2L * kth(half);
        return (long) kth(half - 1) + kth(half);
    }
}
