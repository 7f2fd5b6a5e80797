package io.gridlet.flink.operators;

import io.gridlet.core.q2.GlobalShares;
import io.gridlet.core.q2.WindowChange;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * A {@link WindowChange} as a flat record of primitive arrays, cheap for Flink to serialize between the
 * parallel per-plug stage of Q2 and its global stage. {@code plugs} holds (house, household, plug) triples.
 */
public record WindowChangeRecord(int windowSeconds, long time, int[] entered, int[] left, long[] plugs,
                                 long[] doubledMedians) {

    public static WindowChangeRecord of(WindowChange c) {
        return new WindowChangeRecord(c.windowSeconds(), c.time(), c.enteredValues(), c.leftValues(),
                c.plugTriples(), c.doubledMedians());
    }

    /** Applies this change to {@code shares}, straight from its columns. */
    public void applyTo(GlobalShares shares) {
        shares.apply(windowSeconds, entered, left, plugs, doubledMedians);
    }

    public void writeTo(DataOutput out) throws IOException {
        out.writeInt(windowSeconds);
        out.writeLong(time);
        writeInts(out, entered);
        writeInts(out, left);
        writeLongs(out, plugs);
        writeLongs(out, doubledMedians);
    }

    public static WindowChangeRecord readFrom(DataInput in) throws IOException {
        return new WindowChangeRecord(in.readInt(), in.readLong(), readInts(in), readInts(in), readLongs(in),
                readLongs(in));
    }

    private static void writeInts(DataOutput out, int[] values) throws IOException {
        out.writeInt(values.length);
        for (int v : values) out.writeInt(v);
    }

    private static void writeLongs(DataOutput out, long[] values) throws IOException {
        out.writeInt(values.length);
        for (long v : values) out.writeLong(v);
    }

    private static int[] readInts(DataInput in) throws IOException {
        int[] values = new int[in.readInt()];
        for (int i = 0; i < values.length; i++) values[i] = in.readInt();
        return values;
    }

    private static long[] readLongs(DataInput in) throws IOException {
        long[] values = new long[in.readInt()];
        for (int i = 0; i < values.length; i++) values[i] = in.readLong();
        return values;
    }
}
