package io.gridlet.core.engine;

import io.gridlet.core.csv.RejectReason;
import io.gridlet.core.csv.RejectionSink;
import io.gridlet.core.model.Measurement;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Puts readings into timestamp order and rejects the late ones.
 *
 * <p>With a max lateness of {@code L} seconds, a reading is accepted if its timestamp is at least the largest
 * timestamp seen so far minus {@code L}; accepted readings are held until no later arrival can precede them,
 * then released in timestamp order (arrival order among equal timestamps). With {@code L = 0} (the spec's
 * default) a reading older than the latest one is late, and the others pass straight through.
 *
 * <p>With an external clock (the live service: {@link #advanceClock}, data time as the gateway's watermark over
 * meters, see {@code DataClock}), readings no longer move the clock: a reading is late if it is older than the
 * clock minus {@code L}, and readings are held until the clock minus {@code L} has passed them. The first call to
 * {@link #advanceClock} switches the gate to that mode for good.
 */
public final class OrderGate {
    /** Marks the snapshot form with the external clock ("GAT2"); the first form started with the clock. */
    private static final int SNAPSHOT_MAGIC = 0x47415432;
    private final long maxLateness;
    private final RejectionSink rejections;
    // held readings by timestamp, each timestamp's in arrival order: O(1) per reading (most go to the newest
    // timestamp, whose bucket is at hand), O(log k) per distinct timestamp (a heap of readings cost O(log n) per
    // reading, and n is every reading of the lateness window)
    private final TreeMap<Long, ArrayList<Measurement>> held = new TreeMap<>();
    private long newestHeldTs = Long.MIN_VALUE;
    private ArrayList<Measurement> newestHeld;
    private int heldCount;
    private long maxSeen = Long.MIN_VALUE; // the clock: the newest timestamp, or the external clock
    private boolean externalClock;
    private long arrivals;

    public OrderGate(long maxLatenessSeconds, RejectionSink rejections) {
        if (maxLatenessSeconds < 0) throw new IllegalArgumentException("max lateness must be >= 0");
        this.maxLateness = maxLatenessSeconds;
        this.rejections = rejections;
    }

    /** Offers one reading read from {@code lineNumber}; releases what has become safe to {@code downstream}. */
    public void offer(Measurement m, long lineNumber, Consumer<Measurement> downstream) {
        long ts = m.timestamp();
        if (maxSeen != Long.MIN_VALUE && ts < maxSeen - maxLateness) {
            rejections.reject(lineNumber, RejectReason.LATE,
                    "timestamp " + ts + " is older than " + (maxSeen - maxLateness)
                            + " (latest " + maxSeen + ", max lateness " + maxLateness + " s)",
                    m.id() + "," + ts);
            return;
        }
        if (!externalClock && ts > maxSeen) maxSeen = ts;
        if (maxLateness == 0 && heldCount == 0 && !externalClock) {
            downstream.accept(m);
            return;
        }
        hold(m);
        arrivals++;
        releaseSafe(downstream);
    }

    /**
     * The external clock reads {@code dataTime} (it never goes back: an older value is ignored); releases what has
     * become safe to {@code downstream}.
     */
    public void advanceClock(long dataTime, Consumer<Measurement> downstream) {
        externalClock = true;
        if (dataTime > maxSeen) maxSeen = dataTime;
        releaseSafe(downstream);
    }

    private void releaseSafe(Consumer<Measurement> downstream) {
        if (maxSeen == Long.MIN_VALUE) return;
        long safeBefore = maxSeen - maxLateness;
        while (heldCount > 0 && held.firstKey() < safeBefore) release(downstream);
    }

    private void hold(Measurement m) {
        long ts = m.timestamp();
        if (ts != newestHeldTs || newestHeld == null) {
            newestHeld = held.computeIfAbsent(ts, t -> new ArrayList<>());
            newestHeldTs = ts;
        }
        newestHeld.add(m);
        heldCount++;
    }

    /** Releases the readings of the oldest held timestamp, in arrival order. */
    private void release(Consumer<Measurement> downstream) {
        Map.Entry<Long, ArrayList<Measurement>> oldest = held.pollFirstEntry();
        if (oldest.getKey() == newestHeldTs) newestHeld = null;
        heldCount -= oldest.getValue().size();
        for (Measurement m : oldest.getValue()) downstream.accept(m);
    }

    /** End of input: releases everything still held, in order. */
    public void flush(Consumer<Measurement> downstream) {
        while (heldCount > 0) release(downstream);
    }

    /** Readings accepted but not yet released. */
    public int heldCount() {
        return heldCount;
    }

    /**
     * Writes what the gate holds and has seen; {@link #restore} continues from it. (Held readings are written in
     * release order, each with an arrival number, as the gate's first form wrote them.)
     */
    public void snapshot(DataOutput out) throws IOException {
        out.writeInt(SNAPSHOT_MAGIC);
        out.writeLong(maxSeen);
        out.writeBoolean(externalClock);
        out.writeLong(arrivals);
        out.writeInt(heldCount);
        long arrival = 0;
        for (List<Measurement> bucket : held.values()) {
            for (Measurement m : bucket) {
                out.writeLong(arrival++);
                m.writeTo(out);
            }
        }
    }

    /** A gate with the given settings and the state {@link #snapshot} wrote. */
    public static OrderGate restore(DataInput in, long maxLatenessSeconds, RejectionSink rejections)
            throws IOException {
        OrderGate gate = new OrderGate(maxLatenessSeconds, rejections);
        int first = in.readInt();
        if (first == SNAPSHOT_MAGIC) {
            gate.maxSeen = in.readLong();
            gate.externalClock = in.readBoolean();
        } else { // the first form: no version, the clock's long first (its high half never is the magic)
            gate.maxSeen = ((long) first << 32) | (in.readInt() & 0xFFFF_FFFFL);
        }
        gate.arrivals = in.readLong();
        int n = in.readInt();
        Held[] all = new Held[n];
        for (int i = 0; i < n; i++) {
            long arrival = in.readLong();
            all[i] = new Held(Measurement.readFrom(in), arrival);
        }
        Arrays.sort(all); // (already in this order when this gate wrote them)
        for (Held h : all) gate.hold(h.m());
        return gate;
    }

    private record Held(Measurement m, long arrival) implements Comparable<Held> {
        @Override
        public int compareTo(Held o) {
            int c = Long.compare(m.timestamp(), o.m.timestamp());
            return c != 0 ? c : Long.compare(arrival, o.arrival);
        }
    }
}
