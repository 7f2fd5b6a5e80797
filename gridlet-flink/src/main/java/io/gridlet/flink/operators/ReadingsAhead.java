package io.gridlet.flink.operators;

import io.gridlet.core.model.Measurement;
import org.apache.flink.api.common.accumulators.LongMaximum;
import org.apache.flink.api.common.functions.RuntimeContext;

import java.io.DataInput;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.ToIntFunction;

/**
 * What a keyed query instance holds back when its input comes from several order gates (one per log partition):
 * each gate's stream is in timestamp order, but the instance sees them interleaved, and the combined watermark
 * (the minimum over the gates) says how far data time has moved. A reading newer than that is held here until the
 * watermark reaches it; the times any gate announced (its ticks: the distinct timestamps it released) are held too,
 * because Q2 evaluates at every timestamp of the whole stream, also where this instance has no reading.
 *
 * <p>With one gate nothing is ever held (a reading arrives just after the watermark of its own timestamp and is
 * used at once). What is held is part of the instance's checkpoint: each held reading in its key group's part,
 * the ticks (the same in every instance: they are broadcast) in every part.
 */
final class ReadingsAhead {
    private static final int MAGIC = 0x41484431; // "AHD1": a part carries held readings and ticks
    private final TreeMap<Long, List<Measurement>> held = new TreeMap<>();
    private final TreeSet<Long> ticks = new TreeSet<>();
    private int heldCount;
    private LongMaximum most; // the most readings held at once, reported as an accumulator

    /** Reports the most readings held at once in this instance's attempt ({@link GateCounts#MOST_HELD_AHEAD}). */
    void reportTo(RuntimeContext context) {
        most = new LongMaximum(heldCount);
        context.addAccumulator(GateCounts.MOST_HELD_AHEAD, most);
    }

    /** Holds a reading until data time reaches it. */
    void hold(Measurement m) {
        held.computeIfAbsent(m.timestamp(), t -> new ArrayList<>()).add(m);
        heldCount++;
        if (most != null) most.add(heldCount);
    }

    /** A timestamp some gate released readings at (announced before the watermark that passes it). */
    void tick(long t) {
        ticks.add(t);
    }

    /** The readings held, in no particular order. */
    Iterable<Measurement> heldReadings() {
        return () -> held.values().stream().flatMap(List::stream).iterator();
    }

    int tickCount() {
        return ticks.size();
    }

    /** Receives the held times in order, each with its readings (empty if only ticked). */
    interface Due {
        void at(long time, List<Measurement> readings) throws Exception;
    }

    /**
     * Hands every held time up to {@code upTo} (ticked, or with readings held at it) to {@code due}, oldest first,
     * and forgets them.
     */
    void release(long upTo, Due due) throws Exception {
        while (true) {
            Long reading = held.isEmpty() ? null : held.firstKey();
            Long tick = ticks.isEmpty() ? null : ticks.first();
            long next;
            if (reading == null && tick == null) return;
            if (reading == null) next = tick;
            else if (tick == null) next = reading;
            else next = Math.min(reading, tick);
            if (next > upTo) return;
            if (tick != null && tick == next) ticks.pollFirst();
            List<Measurement> at = List.of();
            if (reading != null && reading == next) {
                at = held.pollFirstEntry().getValue();
                heldCount -= at.size();
            }
            due.at(next, at);
        }
    }

    /**
     * Appends, to each key group's part, the readings held for it and every tick ({@code partOf}: a reading's key
     * group index in the instance, as the core's parts are cut). Nothing is appended when nothing is held: such a
     * part reads as one of a checkpoint written before readings were ever held.
     */
    void writeParts(byte[][] parts, ToIntFunction<Measurement> partOf) throws IOException {
        if (heldCount == 0 && ticks.isEmpty()) return;
        List<List<Measurement>> byPart = new ArrayList<>(parts.length);
        for (int i = 0; i < parts.length; i++) byPart.add(new ArrayList<>());
        for (List<Measurement> at : held.values()) for (Measurement m : at) byPart.get(partOf.applyAsInt(m)).add(m);
        for (int i = 0; i < parts.length; i++) {
            List<Measurement> own = byPart.get(i);
            long extra = 4 + 4 + ticks.size() * 8L + 4 + (long) own.size() * Measurement.BINARY_LENGTH;
            if (parts[i].length + extra > Integer.MAX_VALUE - 64) {
                throw new IOException("a key group's part with " + own.size() + " held readings: more than an"
                        + " array holds");
            }
            // one copy of the part, grown to take what is appended (big-endian, as readPart reads it)
            byte[] grown = Arrays.copyOf(parts[i], (int) (parts[i].length + extra));
            ByteBuffer out = ByteBuffer.wrap(grown, parts[i].length, (int) extra);
            out.putInt(MAGIC);
            out.putInt(ticks.size());
            for (long t : ticks) out.putLong(t);
            out.putInt(own.size());
            for (Measurement m : own) m.writeTo(out);
            if (out.hasRemaining()) throw new IllegalStateException("a key group's part not filled");
            parts[i] = grown;
        }
    }

    /**
     * Reads what {@link #writeParts} appended to a restored part, after the core's state was read from it (a part
     * without it holds nothing). The readings of each part come back in their timestamp order.
     */
    void readPart(DataInput part) throws IOException {
        if (!(part instanceof DataInputStream in) || in.available() == 0) return;
        int magic = in.readInt();
        if (magic != MAGIC) throw new IOException("a keyed state part with unknown trailing data");
        int n = in.readInt();
        if (n < 0) throw new IOException("a negative tick count in a state part");
        for (int i = 0; i < n; i++) ticks.add(in.readLong());
        int readings = in.readInt();
        if (readings < 0) throw new IOException("a negative held-reading count in a state part");
        for (int i = 0; i < readings; i++) hold(Measurement.readFrom(in));
        if (in.available() != 0) throw new IOException("a keyed state part with bytes after its held readings");
    }
}
