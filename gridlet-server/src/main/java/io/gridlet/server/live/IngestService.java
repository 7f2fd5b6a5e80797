package io.gridlet.server.live;

import io.gridlet.client.LiveProtocol;
import io.gridlet.core.csv.RejectReason;
import io.gridlet.core.model.Measurement;
import io.gridlet.core.wire.Ack;
import io.gridlet.core.wire.Disorder;
import io.gridlet.core.wire.ReadingBatch;
import io.gridlet.enclave.sealing.SealedReading;
import io.gridlet.log.IngestLog;
import io.gridlet.log.LogRecord;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The ingest side of the gateway: takes a meter's batches, drops the readings it already holds (by the meter's
 * sequence numbers), refuses the invalid ones (counted, named in the acknowledgement), appends the rest to the log,
 * and acknowledges the batch once that entry is durable. A meter that reconnects asks where to resume (an empty
 * batch) and resends; nothing is counted twice.
 *
 * <p>Where each meter stands is recovered from the log on start: the log is the only truth.
 */
final class IngestService {
    private final IngestLog.Writer log;
    private final Map<String, MeterState> meters = new ConcurrentHashMap<>();
    private final Counter accepted, duplicates, malformed, batches;
    private final Map<RejectReason, Counter> rejected = new EnumMap<>(RejectReason.class);
    private final Runnable endOfData;
    private final Disorder disorder = new Disorder();
    private final Consumer<List<Measurement>> appended;
    private volatile Throwable failure;

    /** One meter's place: the last sequence number appended to the log, and the last one durable in it. */
    private static final class MeterState {
        long appended;
        volatile long durable;
        CompletableFuture<Void> lastAppend = CompletableFuture.completedFuture(null);

        MeterState(long last) {
            appended = last;
            durable = last;
        }
    }

    IngestService(IngestLog.Writer log, MeterRegistry registry, Runnable endOfData,
                  Consumer<List<Measurement>> appended) throws IOException {
        this.log = log;
        this.appended = appended;
        this.endOfData = endOfData;
        log.lastSequences().forEach((meter, last) -> meters.put(meter, new MeterState(last)));
        accepted = registry.counter("gridlet.ingest.readings", "outcome", "accepted");
        duplicates = registry.counter("gridlet.ingest.readings", "outcome", "duplicate");
        for (RejectReason r : RejectReason.values()) {
            rejected.put(r, registry.counter("gridlet.ingest.readings", "outcome", "rejected-" + r.label()));
        }
        malformed = registry.counter("gridlet.ingest.batches", "outcome", "malformed");
        batches = registry.counter("gridlet.ingest.batches", "outcome", "accepted");
    }

    /** Meters known (from the log and since). */
    int meters() {
        return meters.size();
    }

    /** The worst disorder of the readings appended, in seconds of data time. */
    long disorderSeconds() {
        return disorder.worstSeconds();
    }

    /** Why the log failed, or null while it works. */
    Throwable failure() {
        return failure;
    }

    ServerServiceDefinition definition() {
        return ServerServiceDefinition.builder(LiveProtocol.INGEST)
                .addMethod(LiveProtocol.SEND, ServerCalls.asyncBidiStreamingCall(this::stream))
                .addMethod(LiveProtocol.END_OF_DATA, ServerCalls.asyncUnaryCall((request, response) -> {
                    try {
                        endOfData.run();
                        response.onNext(new byte[0]);
                        response.onCompleted();
                    } catch (RuntimeException e) {
                        response.onError(Status.UNAVAILABLE.withDescription("end of data not written: " + e)
                                .asRuntimeException());
                    }
                }))
                .build();
    }

    private StreamObserver<byte[]> stream(StreamObserver<byte[]> acks) {
        return new StreamObserver<>() {
            private volatile boolean done;
            private CompletableFuture<?> tail = CompletableFuture.completedFuture(null); // the last ack sent

            @Override
            public void onNext(byte[] message) {
                if (done) return;
                ReadingBatch.Decoded batch;
                try {
                    batch = ReadingBatch.decode(message);
                } catch (IllegalArgumentException e) {
                    malformed.increment();
                    done = true;
                    acks.onError(Status.INVALID_ARGUMENT.withDescription("malformed batch: " + e.getMessage())
                            .asRuntimeException());
                    return;
                }
                tail = accept(batch).whenComplete((ack, error) -> {
                    synchronized (acks) {
                        if (done) return;
                        if (error != null) {
                            done = true;
                            acks.onError(Status.UNAVAILABLE.withDescription("the ingest log failed: " + error)
                                    .asRuntimeException());
                        } else {
                            acks.onNext(ack.encode());
                        }
                    }
                });
            }

            @Override
            public void onError(Throwable t) {
                done = true; // the meter went away; what it sent is in the log or will be resent
            }

            @Override
            public void onCompleted() {
                // the last acknowledgements may still be on their way: close after them
                tail.whenComplete((v, e) -> {
                    synchronized (acks) {
                        if (!done) {
                            done = true;
                            acks.onCompleted();
                        }
                    }
                });
            }
        };
    }

    /** The log entry of a plain batch's readings after {@code held}; refusals into {@code refused}, counted. */
    private LogRecord freshPlain(ReadingBatch.Decoded batch, long held, List<ReadingBatch.Rejected> refused) {
        long[] seqs = batch.seqs();
        List<Measurement> fresh = new ArrayList<>(batch.valid().size());
        for (int i = 0; i < seqs.length; i++) {
            if (seqs[i] > held) fresh.add(batch.valid().get(i));
        }
        for (ReadingBatch.Rejected r : batch.rejected()) {
            if (r.seq() > held) {
                refused.add(r);
                rejected.get(r.reason()).increment();
            }
        }
        duplicates.increment(batch.count() - fresh.size() - refused.size());
        accepted.increment(fresh.size());
        // (appends of different meters may pass here in another order than the log's: close enough)
        disorder.pass(fresh);
        return new LogRecord(batch.meter(), batch.lastSeq(), fresh);
    }

    /**
     * The log entry of a sealed batch's readings after {@code held}: opaque here (checked, opened and counted inside
     * the job's boundary); only their clear timestamps are read, for the disorder.
     */
    private LogRecord freshSealed(ReadingBatch.Decoded batch, long held) {
        long[] seqs = batch.seqs();
        List<byte[]> fresh = new ArrayList<>(seqs.length);
        long oldest = Long.MAX_VALUE, latest = Long.MIN_VALUE;
        for (int i = 0; i < seqs.length; i++) {
            if (seqs[i] <= held) continue;
            byte[] r = batch.sealed().get(i);
            fresh.add(r);
            long ts = SealedReading.clearTimestamp(r);
            if (ts >= 0) {
                oldest = Math.min(oldest, ts);
                latest = Math.max(latest, ts);
            }
        }
        if (oldest <= latest) disorder.pass(oldest, latest);
        duplicates.increment(batch.count() - fresh.size());
        accepted.increment(fresh.size());
        return LogRecord.sealed(batch.meter(), batch.lastSeq(), fresh);
    }

    /** Once the entry is durable, the meter's resume point moves; if it fails, the log is broken for everyone. */
    private void trackDurable(MeterState state, CompletableFuture<Void> append, long lastSeq) {
        append.whenComplete((v, e) -> {
            if (e != null) {
                if (failure == null) failure = e;
            } else {
                synchronized (state) {
                    if (lastSeq > state.durable) state.durable = lastSeq;
                }
            }
        });
    }

    /** Takes one batch; the future is its acknowledgement, once durable. */
    CompletableFuture<Ack> accept(ReadingBatch.Decoded batch) {
        Throwable broken = failure;
        if (broken != null) return CompletableFuture.failedFuture(broken);
        batches.increment();
        MeterState state = meters.computeIfAbsent(batch.meter(), m -> new MeterState(0));
        if (batch.count() == 0) {
            // where to resume: what is durable, once what was appended before this question is durable too
            CompletableFuture<Void> before;
            synchronized (state) {
                before = state.lastAppend;
            }
            return before.thenApply(v -> new Ack(state.durable, List.of()));
        }
        List<ReadingBatch.Rejected> refused = new ArrayList<>(batch.rejected().size());
        CompletableFuture<Void> append;
        long lastSeq = batch.lastSeq();
        synchronized (state) {
            long held = state.appended;
            if (lastSeq <= held) {
                duplicates.increment(batch.count());
                append = state.lastAppend;
            } else {
                LogRecord entry = batch.isSealed() ? freshSealed(batch, held) : freshPlain(batch, held, refused);
                append = log.append(entry);
                if (!entry.isSealed()) appended.accept(entry.readings());
                state.appended = lastSeq;
                state.lastAppend = append;
                trackDurable(state, append, lastSeq);
            }
        }
        return append.thenApply(v -> new Ack(lastSeq, refused));
    }
}
