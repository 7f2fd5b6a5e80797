package io.gridlet.core.csv;

import io.gridlet.core.model.Measurement;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.function.Consumer;

/**
 * Puts readings into timestamp order and rejects the late ones.
 *
 * <p>With a max lateness of {@code L} seconds, a reading is accepted if its timestamp is at least the largest
 * timestamp seen so far minus {@code L}; accepted readings are held until no later arrival can precede them,
 * then released in timestamp order (arrival order among equal timestamps). With {@code L = 0} (the spec's
 * default) a reading older than the latest one is late, and the others pass straight through.
 */
public final class OrderGate {
    private final long maxLateness;
    private final RejectionSink rejections;
    private final PriorityQueue<Held> held = new PriorityQueue<>();
    private long maxSeen = Long.MIN_VALUE;
    private long arrivals;

    private record Held(Measurement m, long arrival) implements Comparable<Held> {
        @Override
        public int compareTo(Held o) {
            int c = Long.compare(m.timestamp(), o.m.timestamp());
            return c != 0 ? c : Long.compare(arrival, o.arrival);
        }
    }

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
        if (ts > maxSeen) maxSeen = ts;
        if (maxLateness == 0 && held.isEmpty()) {
            downstream.accept(m);
            return;
        }
        held.add(new Held(m, arrivals++));
        long safeBefore = maxSeen - maxLateness;
        while (!held.isEmpty() && held.peek().m.timestamp() < safeBefore) {
            downstream.accept(held.poll().m);
        }
    }

    /** End of input: releases everything still held, in order. */
    public void flush(Consumer<Measurement> downstream) {
        while (!held.isEmpty()) downstream.accept(held.poll().m);
    }

    /** Readings accepted but not yet released. */
    public int heldCount() {
        return held.size();
    }

    /** Writes what the gate holds and has seen; {@link #restore} continues from it. */
    public void snapshot(DataOutput out) throws IOException {
        out.writeLong(maxSeen);
        out.writeLong(arrivals);
        List<Held> all = new ArrayList<>(held);
        out.writeInt(all.size());
        for (Held h : all) {
            out.writeLong(h.arrival);
            h.m.writeTo(out);
        }
    }

    /** A gate with the given settings and the state {@link #snapshot} wrote. */
    public static OrderGate restore(DataInput in, long maxLatenessSeconds, RejectionSink rejections)
            throws IOException {
        OrderGate gate = new OrderGate(maxLatenessSeconds, rejections);
        gate.maxSeen = in.readLong();
        gate.arrivals = in.readLong();
        int n = in.readInt();
        for (int i = 0; i < n; i++) {
            long arrival = in.readLong();
            gate.held.add(new Held(Measurement.readFrom(in), arrival));
        }
        return gate;
    }
}
