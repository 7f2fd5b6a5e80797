package io.gridlet.core.wire;

import io.gridlet.core.csv.RejectReason;

import java.util.List;

/**
 * The gateway's answer to a {@link ReadingBatch}: every reading of this meter up to {@code lastSeq} is durable
 * (or was refused, and then it is in {@code rejected} with its reason); the meter may forget them. The answer to
 * an empty batch says where to resume. {@code skipped} counts the sequence numbers the batch jumped over (its first
 * was more than one after the last one the gateway held): readings the meter never sent, counted by the gateway.
 * The wire form is protobuf ({@code gridlet.ingest.v1.Ack}; gridlet-client's {@code IngestWire}).
 */
public record Ack(long lastSeq, long skipped, List<ReadingBatch.Rejected> rejected) {
    /** The most refusals one answer carries: one per reading of a batch. */
    public static final int MAX_REJECTED = ReadingBatch.MAX_READINGS;

    public Ack {
        if (skipped < 0) throw new IllegalArgumentException("skipped must be >= 0, got " + skipped);
        rejected = List.copyOf(rejected);
    }

    public Ack(long lastSeq, List<ReadingBatch.Rejected> rejected) {
        this(lastSeq, 0, rejected);
    }
}
