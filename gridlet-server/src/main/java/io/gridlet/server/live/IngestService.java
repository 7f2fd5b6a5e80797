package io.gridlet.server.live;

import io.gridlet.adaptlets.builtin.Identity;
import io.gridlet.client.IngestWire;
import io.gridlet.client.LiveProtocol;
import io.gridlet.core.csv.RejectReason;
import io.gridlet.core.model.HouseSet;
import io.gridlet.core.model.Measurement;
import io.gridlet.core.wire.Ack;
import io.gridlet.core.wire.DataClock;
import io.gridlet.core.wire.Disorder;
import io.gridlet.core.wire.ReadingBatch;
import io.gridlet.enclave.sealing.SealedBlock;
import io.gridlet.log.IngestLog;
import io.gridlet.log.LogRecord;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The ingest side of the gateway: takes a meter's batches, drops the readings it already holds (by the meter's
 * sequence numbers), refuses the invalid ones one by one (malformed, not the meter's house, too far ahead of the
 * service's data time, late: counted, named in the acknowledgement), appends the rest to the log, and acknowledges
 * the batch once that entry is durable. A meter that reconnects asks where to resume (an empty batch) and resends;
 * nothing is counted twice.
 *
 * <p>Data time is the {@link DataClock}'s watermark over meters; every log entry carries the data time its readings
 * were checked against, so the job's order gate runs on the same clock as the refusals here: a reading taken here
 * is never late there. The checks and the append of a batch happen under one lock,
 * so the log holds entries in data time order.
 *
 * <p>A batch fails alone: one larger than the log's entry limit is split into several entries; an append that
 * fails ends only that meter's stream (it resumes from what is durable). Where each meter stands is recovered from
 * the log on start: the log is the only truth.
 */
final class IngestService {
    /** Batches of one stream read ahead of their acknowledgements. */
    private static final int BATCHES_IN_FLIGHT = 8;
    /** The longest refusal message in an acknowledgement (a message names a house set, which may be long). */
    private static final int MAX_MESSAGE_CHARS = 200;
    /** How often data time is recomputed (it scans the meters). */
    private static final long ADVANCE_EVERY_NANOS = 20_000_000L;

    private final IngestLog.Writer log;
    private final Map<String, MeterState> meters = new ConcurrentHashMap<>();
    private final Counter accepted, duplicates, malformed, foreign, batches, skipped, splits, failedAppends;
    private final Counter plainInSealed, afterEnd, entriesAppended, forcedAdvances;
    private final Timer ackLatency;
    private final boolean sealedOnly;
    private final Map<RejectReason, Counter> rejected = new EnumMap<>(RejectReason.class);
    private final Runnable endOfData;
    private final Disorder disorder = new Disorder();
    private final Consumer<List<Measurement>> appended;
    private final Function<String, HouseSet> houses;
    private final Predicate<String> isMeter;
    private final DataClock clock;
    private long lastAdvance = System.nanoTime() - ADVANCE_EVERY_NANOS;
    private volatile long publishedDataTime = DataClock.NONE; // the clock's data time, for checks outside the lock
    private long clockLogged = Long.MIN_VALUE; // the data time of the last clock entry (partitioned logs)
    private volatile Throwable lastFailure;
    /** The end of the data is in the log (from this gateway): the job reads nothing after it. */
    private volatile boolean ended;
    private static final String AFTER_END = LiveProtocol.DATA_ENDED + " (the end-of-data entry is in the log): readings "
            + "after it would never be read";

    /** One meter's place: the last sequence number appended to the log, and the last one durable in it. */
    private static final class MeterState {
        long appended;
        volatile long durable;
        /** An append failed: refuse its batches until it asks where to resume. */
        boolean broken;
        CompletableFuture<Void> lastAppend = CompletableFuture.completedFuture(null);

        MeterState(long last) {
            appended = last;
            durable = last;
        }
    }

    /**
     * @param isMeter whether a name is one of the service's meters (its identities): readings in any other name,
     *                or in another name than the caller's, are refused
     * @param houses the houses each meter may report for ({@link HouseSet#ALL} for a meter the identities give no
     *               houses)
     * @param sealedOnly refuse batches of plain readings (a sealed service: the log holds sealed readings only, and
     *                   every reading passes the boundary's checks)
     */
    IngestService(IngestLog.Writer log, MeterRegistry registry, Runnable endOfData,
                  Consumer<List<Measurement>> appended, Predicate<String> isMeter, Function<String, HouseSet> houses,
                  DataClock.Limits limits, boolean sealedOnly) throws IOException {
        this.sealedOnly = sealedOnly;
        this.log = log;
        this.appended = appended;
        this.endOfData = endOfData;
        this.isMeter = isMeter;
        this.houses = houses;
        this.clock = new DataClock(limits);
        log.lastSequences().forEach((meter, last) -> meters.put(meter, new MeterState(last)));
        // a restart goes on from where the job's clock stands, waiting a while for the meters it knew
        long recovered = log.lastDataTime();
        ended = log.endOfData(); // a restarted gateway goes on refusing what would never be read
        // (logged before data time existed: it does not exist yet either)
        boolean none = recovered == LogRecord.NO_DATA_TIME || recovered == LogRecord.BEFORE_DATA_TIME;
        clock.recover(none ? DataClock.NONE : recovered, meters.keySet(), System.nanoTime());
        publishedDataTime = clock.dataTime();
        accepted = registry.counter("gridlet.ingest.readings", "outcome", "accepted");
        duplicates = registry.counter("gridlet.ingest.readings", "outcome", "duplicate");
        for (RejectReason r : RejectReason.values()) {
            rejected.put(r, registry.counter("gridlet.ingest.readings", "outcome", "rejected-" + r.label()));
        }
        skipped = registry.counter("gridlet.ingest.sequence.skipped");
        malformed = registry.counter("gridlet.ingest.batches", "outcome", "malformed");
        foreign = registry.counter("gridlet.ingest.batches", "outcome", "not-the-callers");
        plainInSealed = registry.counter("gridlet.ingest.batches", "outcome", "plain-in-sealed");
        afterEnd = registry.counter("gridlet.ingest.batches", "outcome", "after-end-of-data");
        batches = registry.counter("gridlet.ingest.batches", "outcome", "accepted");
        splits = registry.counter("gridlet.ingest.batches", "outcome", "split");
        failedAppends = registry.counter("gridlet.ingest.batches", "outcome", "append-failed");
        entriesAppended = Counter.builder("gridlet.log.entries.appended").description("entries this gateway "
                + "appended to the ingest log").register(registry);
        forcedAdvances = Counter.builder("gridlet.ingest.clock.recomputed").description("times data time was "
                + "computed again because a batch's readings were ahead of it and its meter's readings had risen "
                + "since it was last computed").register(registry);
        ackLatency = Timer.builder("gridlet.ingest.ack").description("from a batch's arrival to its "
                        + "acknowledgement (durable in the log) or refusal")
                .serviceLevelObjectives(Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(20),
                        Duration.ofMillis(100), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(5))
                .register(registry);
    }

    /** Meters known (from the log and since). */
    int meters() {
        return meters.size();
    }

    /** The worst disorder of the readings appended, in seconds of data time. */
    long disorderSeconds() {
        return disorder.worstSeconds();
    }

    /** The service's data time now ({@link DataClock#NONE} before any reading). */
    long dataTime() {
        return publishedDataTime;
    }

    /** Why the last append failed, if the log has not taken an entry since; null while it works. */
    Throwable failure() {
        return lastFailure;
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

    private StreamObserver<byte[]> stream(StreamObserver<byte[]> responses) {
        ServerCallStreamObserver<byte[]> acks = (ServerCallStreamObserver<byte[]>) responses;
        // at most BATCHES_IN_FLIGHT batches of a stream are read ahead of their acknowledgements, and no more is
        // read while the meter does not take its acknowledgements: a meter that never reads holds little here
        acks.disableAutoRequest();
        acks.request(BATCHES_IN_FLIGHT);
        Identity caller = Identity.CURRENT.get();
        return new StreamObserver<>() {
            private boolean done; // guarded by acks
            private int owed; // batches answered while the meter did not take acknowledgements: read that many later
            private CompletableFuture<?> tail = CompletableFuture.completedFuture(null); // the last ack sent

            {
                acks.setOnReadyHandler(() -> {
                    synchronized (acks) {
                        if (owed > 0 && !done) {
                            acks.request(owed);
                            owed = 0;
                        }
                    }
                });
            }

            @Override
            public void onNext(byte[] message) {
                ReadingBatch.Decoded batch;
                try {
                    batch = IngestWire.decode(message);
                } catch (IllegalArgumentException e) {
                    malformed.increment();
                    fail(Status.INVALID_ARGUMENT.withDescription("malformed batch: " + e.getMessage()));
                    return;
                }
                if (caller != null && !caller.id().equals(batch.meter()) || !isMeter.test(batch.meter())) {
                    foreign.increment(); // (without authz in the policy, the gateway still checks)
                    fail(Status.PERMISSION_DENIED.withDescription(caller == null
                            ? batch.meter() + " is not a meter of this service"
                            : caller.id() + " may not send readings as " + batch.meter()));
                    return;
                }
                if (sealedOnly && !batch.isSealed() && batch.count() > 0) { // (an empty batch asks where to resume)
                    plainInSealed.increment();
                    fail(Status.FAILED_PRECONDITION.withDescription("this service takes sealed readings only "
                            + "(gridlet meter --sealed, with the meter's keys)"));
                    return;
                }
                if (ended && batch.count() > 0) {
                    afterEnd.increment();
                    fail(Status.FAILED_PRECONDITION.withDescription(AFTER_END));
                    return;
                }
                long arrived = System.nanoTime();
                tail = accept(batch).whenComplete((ack, error) -> {
                    ackLatency.record(System.nanoTime() - arrived, TimeUnit.NANOSECONDS);
                    answer(ack, error);
                });
            }

            private void answer(Ack ack, Throwable error) {
                synchronized (acks) {
                    if (done) return;
                    if (error != null) {
                        fail(Status.fromThrowable(error).getCode() == Status.Code.UNKNOWN
                                ? Status.UNAVAILABLE.withDescription("the ingest log failed: " + error)
                                : Status.fromThrowable(error));
                        return;
                    }
                    try {
                        acks.onNext(IngestWire.encode(ack));
                    } catch (RuntimeException e) {
                        fail(Status.INTERNAL.withDescription("acknowledgement not sent: " + e));
                        return;
                    }
                    if (acks.isReady()) acks.request(1);
                    else owed++;
                }
            }

            private void fail(Status status) {
                synchronized (acks) {
                    if (done) return;
                    done = true;
                    acks.onError(status.asRuntimeException());
                }
            }

            @Override
            public void onError(Throwable t) {
                synchronized (acks) {
                    done = true; // the meter went away; what it sent is in the log or will be resent
                }
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

    /** Takes one batch; the future is its acknowledgement, once durable. */
    CompletableFuture<Ack> accept(ReadingBatch.Decoded batch) {
        batches.increment();
        MeterState state = meters.computeIfAbsent(batch.meter(), m -> new MeterState(0));
        if (batch.count() == 0) return resumePoint(batch.meter(), state);
        long lastSeq = batch.lastSeq();
        long gap;
        CompletableFuture<Void> append;
        List<ReadingBatch.Rejected> refused;
        // the meter's lock guards its place (the completions update it without the service's lock: a log whose
        // append blocks, as Kafka's may when its buffer is full, completes other appends meanwhile); the readings
        // are checked under it alone, on the data time last published, so meters are checked in parallel; the
        // service's lock then orders the appends (the log in data time order), checking again in the rare case
        // that data time moved meanwhile
        synchronized (state) {
            if (state.broken) {
                return CompletableFuture.failedFuture(Status.UNAVAILABLE.withDescription("an earlier batch of "
                        + "this meter was not appended: ask where to resume first").asException());
            }
            long held = state.appended;
            if (lastSeq <= held) {
                duplicates.increment(batch.count());
                return state.lastAppend.thenApply(v -> new Ack(lastSeq, List.of()));
            }
            gap = Math.max(0, batch.firstSeq() - held - 1);
            Checked checked = check(batch, held, publishedDataTime);
            List<CompletableFuture<Void>> parts = new ArrayList<>(checked.entries().size() + 1);
            parts.add(state.lastAppend); // durable in order: this batch counts only if the ones before did
            synchronized (this) {
                if (ended) { // (the appends are ordered by this lock: none follows the end-of-data entry)
                    afterEnd.increment();
                    return CompletableFuture.failedFuture(Status.FAILED_PRECONDITION.withDescription(AFTER_END)
                            .asException());
                }
                long current = clock.dataTime();
                if (checked.aheadOfDataTime() && clock.roseSinceAdvance(batch.meter())) {
                    // data time is recomputed every 20 ms, but a meter replaying fast (or a burst of its batches
                    // in flight) can move its own readings further than the max-ahead in that time: before
                    // refusing its readings as too far ahead of a stale data time, compute it again, if this
                    // meter's own readings rose since it was last computed (so a meter forces a computation at most
                    // once per rise of its latest reading, itself at most max-ahead past data time)
                    current = advance(System.nanoTime());
                    forcedAdvances.increment();
                }
                if (current != checked.dataTime()) checked = check(batch, held, current);
                for (LogRecord entry : commit(batch.meter(), checked)) {
                    parts.add(log.append(entry));
                    entriesAppended.increment();
                    if (!entry.isSealed()) appended.accept(entry.readings());
                }
                // after this batch's entries (checked against the time before): every partition learns that
                // nothing older than the new data time minus the lateness follows in it
                if (log.partitions() > 1 && publishedDataTime != DataClock.NONE && publishedDataTime > clockLogged) {
                    clockLogged = publishedDataTime;
                    parts.add(log.append(LogRecord.clock(clockLogged)));
                    entriesAppended.increment();
                }
            }
            skipped.increment(gap);
            refused = checked.refused();
            append = CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new));
            state.appended = lastSeq;
            state.lastAppend = append;
        }
        append.whenComplete((v, e) -> {
            synchronized (state) {
                if (e != null) {
                    failedAppends.increment();
                    lastFailure = e;
                    state.broken = true;
                } else {
                    lastFailure = null;
                    if (lastSeq > state.durable) state.durable = lastSeq;
                }
            }
        });
        return append.thenApply(v -> new Ack(lastSeq, gap, refused));
    }

    /**
     * Appends the end-of-data entry, after every reading appended so far and before none: readings that come
     * after it are refused ({@code FAILED_PRECONDITION}), as the job would never read them.
     */
    CompletableFuture<Void> appendEndOfData() {
        synchronized (this) {
            ended = true;
            return log.append(LogRecord.END_OF_DATA);
        }
    }

    /** Where to resume: what is durable, once what was appended before this question is durable (or failed). */
    private CompletableFuture<Ack> resumePoint(String meter, MeterState state) {
        CompletableFuture<Void> before;
        synchronized (this) {
            clock.saw(meter, DataClock.NONE, System.nanoTime()); // connected: may hold the start of data time
        }
        synchronized (state) {
            before = state.lastAppend;
        }
        return before.handle((v, e) -> {
            synchronized (state) {
                if (state.broken || e != null) { // resend everything after what is durable
                    state.appended = state.durable;
                    state.broken = false;
                    state.lastAppend = CompletableFuture.completedFuture(null);
                }
                return new Ack(state.durable, List.of());
            }
        });
    }

    /**
     * A batch's readings after {@code held} checked against {@code dataTime}: its log entries (each at most the
     * log's entry limit, without data time yet) and its refusals. Pure: counts nothing, moves no clock.
     */
    private record Checked(long dataTime, List<LogRecord> entries, List<ReadingBatch.Rejected> refused,
                           int duplicates, int readings, long oldest, long latest, boolean aheadOfDataTime) {
    }

    private Checked check(ReadingBatch.Decoded batch, long held, long dataTime) {
        long wallSeconds = System.currentTimeMillis() / 1000;
        long[] seqs = batch.seqs();
        HouseSet owned = houses.apply(batch.meter());
        DataClock.Limits limits = clock.limits();
        List<ReadingBatch.Rejected> refused = new ArrayList<>(batch.rejected().size());
        Pieces pieces = new Pieces(batch);
        long latest = DataClock.NONE;
        long oldest = Long.MAX_VALUE;
        boolean aheadOfDataTime = false;
        int dup = 0;
        for (ReadingBatch.Rejected r : batch.rejected()) { // malformed one by one in the decoder
            if (r.seq() > held) refused.add(r);
            else dup++;
        }
        for (int i = 0; i < seqs.length; i++) {
            long seq = seqs[i];
            if (seq <= held) {
                dup++;
                continue;
            }
            long ts;
            if (batch.isSealed()) {
                byte[] sealed = batch.sealed().get(i);
                ts = SealedBlock.clearTimestamp(sealed); // (its house is sealed: the boundary checks it)
                String sealer = SealedBlock.clearMeterName(sealed);
                int count = SealedBlock.clearCount(sealed);
                if (count >= 0 && count != 1) { // the service acknowledges, deduplicates, refuses reading by reading
                    refused.add(refusal(seq, RejectReason.UNOPENABLE, "a block of " + count + " sealed readings "
                            + "where one is expected"));
                    continue;
                }
                if (sealer != null && !sealer.equals(batch.meter())) { // what cannot be read is the boundary's
                    refused.add(refusal(seq, RejectReason.NOT_OWNED, "a reading sealed by " + sealer
                            + ", sent by " + batch.meter()));
                    continue;
                }
            } else {
                Measurement m = batch.valid().get(i);
                ts = m.timestamp();
                if (!owned.contains(m.houseId())) {
                    refused.add(refusal(seq, RejectReason.NOT_OWNED, "house " + m.houseId() + " is not among the "
                            + "houses " + batch.meter() + " may report for (" + owned + ")"));
                    continue;
                }
            }
            if (ts >= 0) { // (a sealed reading without a readable clear timestamp is refused inside the boundary)
                RejectReason why = DataClock.check(limits, dataTime, ts, wallSeconds);
                if (why != null) {
                    refused.add(refusal(seq, why, DataClock.explain(limits, dataTime, why, ts, wallSeconds)));
                    // too far ahead of data time, not of the wall clock: a newer data time might take it
                    if (why == RejectReason.TOO_FAR_AHEAD && ts <= wallSeconds + limits.clockSkewSeconds()) {
                        aheadOfDataTime = true;
                    }
                    continue;
                }
                latest = Math.max(latest, ts);
                oldest = Math.min(oldest, ts);
            }
            pieces.add(i, seq);
        }
        return new Checked(dataTime, pieces.finish(batch.lastSeq()), refused, dup, pieces.readings, oldest, latest,
                aheadOfDataTime);
    }

    /**
     * Counts a checked batch, moves the clock, and gives its entries the data time they were checked against
     * (before data time exists: 0, before every reading, so the job's gate waits on the service's clock from the
     * first entry on). Called under the service's lock.
     */
    private List<LogRecord> commit(String meter, Checked checked) {
        duplicates.increment(checked.duplicates());
        accepted.increment(checked.readings());
        for (ReadingBatch.Rejected r : checked.refused()) rejected.get(r.reason()).increment();
        if (checked.oldest() <= checked.latest()) disorder.pass(checked.oldest(), checked.latest());
        if (checked.entries().size() > 1) splits.increment();
        long time = checked.dataTime() == DataClock.NONE ? LogRecord.BEFORE_DATA_TIME : checked.dataTime();
        List<LogRecord> timed = new ArrayList<>(checked.entries().size());
        for (LogRecord e : checked.entries()) timed.add(e.withDataTime(time));
        long now = System.nanoTime();
        clock.saw(meter, checked.latest(), now);
        if (now - lastAdvance >= ADVANCE_EVERY_NANOS) advance(now);
        return timed;
    }

    /** Computes data time again and publishes it. Called under the service's lock. */
    private long advance(long now) {
        publishedDataTime = clock.advance(now);
        lastAdvance = now;
        return publishedDataTime;
    }

    private static ReadingBatch.Rejected refusal(long seq, RejectReason reason, String message) {
        String shown = message.length() <= MAX_MESSAGE_CHARS ? message
                : message.substring(0, MAX_MESSAGE_CHARS - 3) + "...";
        return new ReadingBatch.Rejected(seq, reason, shown);
    }

    /** A batch's accepted readings cut into log entries of at most {@link IngestLog#MAX_ENTRY_BYTES}. */
    private static final class Pieces {
        private final ReadingBatch.Decoded batch;
        private final int headerBytes;
        private final List<LogRecord> done = new ArrayList<>(1);
        private List<Measurement> plain = new ArrayList<>();
        private List<byte[]> sealed = new ArrayList<>();
        private long bytes;
        private long lastSeq;
        private int inCurrent;
        int readings;

        Pieces(ReadingBatch.Decoded batch) {
            this.batch = batch;
            // an entry's header with a data time: kind, meter, lastSeq, data time, count
            this.headerBytes = new LogRecord(batch.meter(), 1, List.of()).withDataTime(0).encodedSize();
            this.bytes = headerBytes;
        }

        void add(int index, long seq) {
            long size = batch.isSealed() ? 2 + batch.sealed().get(index).length : Measurement.BINARY_LENGTH;
            if (bytes + size > IngestLog.MAX_ENTRY_BYTES && inCurrent > 0) cut();
            if (batch.isSealed()) sealed.add(batch.sealed().get(index));
            else plain.add(batch.valid().get(index));
            bytes += size;
            lastSeq = seq;
            inCurrent++;
            readings++;
        }

        private void cut() {
            done.add(entry(lastSeq));
            plain = new ArrayList<>();
            sealed = new ArrayList<>();
            bytes = headerBytes;
            inCurrent = 0;
        }

        private LogRecord entry(long upTo) {
            return batch.isSealed() ? LogRecord.sealed(batch.meter(), upTo, sealed)
                    : new LogRecord(batch.meter(), upTo, plain);
        }

        /** The entries, the last covering the batch up to {@code batchLastSeq} (refused readings included). */
        List<LogRecord> finish(long batchLastSeq) {
            done.add(entry(batchLastSeq));
            return done;
        }
    }
}
