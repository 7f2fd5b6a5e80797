package io.gridlet.client;

import io.gridlet.adaptlets.ClientSession;
import io.gridlet.core.model.Measurement;
import io.gridlet.core.wire.Ack;
import io.gridlet.core.wire.Disorder;
import io.gridlet.core.wire.ReadingBatch;
import io.gridlet.enclave.sealing.MeterSealer;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One simulated meter: it numbers its readings, keeps them (its local storage) until the gateway acknowledges
 * them, and sends them in batches (of {@code batchSize}, or what it has once the last batch is
 * {@code lingerMs} old) over one {@code gridlet.ingest.v1.Ingest/Send} stream in a negotiated session. When the
 * stream breaks it reconnects with exponential backoff (0.1 s doubling to 5 s, with jitter), asks the gateway
 * where to resume, and sends the rest again: nothing is lost and the gateway drops what it already has.
 *
 * <p>{@link #offer} blocks while {@code maxUnacknowledged} readings wait for their acknowledgement (the gateway's
 * back-pressure reaches the data source). Not a daemon: {@link #finish} and {@link #close}.
 */
public final class Meter implements AutoCloseable {
    static final long MIN_BACKOFF_MS = 100, MAX_BACKOFF_MS = 5_000;

    /** How a meter connects and sends; over {@link Transport#plaintext()} unless {@link #withTransport} says. */
    public record Settings(String target, String policy, int batchSize, int maxUnacknowledged, long lingerMs,
                           Function<String, MeterSealer> sealers, Transport transport) {
        public Settings(String target, String policy, int batchSize, int maxUnacknowledged, long lingerMs) {
            this(target, policy, batchSize, maxUnacknowledged, lingerMs, null, Transport.plaintext());
        }

        /**
         * The same, every reading sealed to the trusted boundary before it is sent, by the sealer {@code sealers}
         * gives for the meter's name (from that meter's keys: {@code gridlet keys meter}).
         */
        public Settings sealing(Function<String, MeterSealer> with) {
            return new Settings(target, policy, batchSize, maxUnacknowledged, lingerMs, with, transport);
        }

        /** The same, connecting over {@code with} (TLS, say). */
        public Settings withTransport(Transport with) {
            return new Settings(target, policy, batchSize, maxUnacknowledged, lingerMs, sealers, with);
        }

        public Settings {
            if (transport == null) throw new IllegalArgumentException("a transport (Transport.plaintext(), say)");
            if (lingerMs < 1) throw new IllegalArgumentException("linger must be >= 1 ms");
            if (batchSize < 1 || batchSize > ReadingBatch.MAX_READINGS) {
                throw new IllegalArgumentException("batch size must be 1.." + ReadingBatch.MAX_READINGS);
            }
            if (maxUnacknowledged < batchSize) throw new IllegalArgumentException("room for one batch at least");
        }
    }

    /** What happened to the meter's readings so far. */
    public record Counts(long offered, long acknowledged, long rejected, long reconnects) {
    }

    private final String name;
    private final byte[] secret;
    private final Settings settings;
    private final MeterSealer sealer; // null: plain readings
    private final Consumer<String> events;
    private final Disorder disorder;
    private final Thread thread;

    // guarded by `this`
    private final ArrayDeque<Measurement> stored = new ArrayDeque<>(); // seqs acked+1 .. next-1
    private long wireBytes; // bytes of the batches sent (resends included)
    /**
     * With a sealer, the same readings sealed, once, as they were stored: a reading sent again is the same bytes
     * (the boundary refuses a copy as replayed), never a new seal with a new sequence number.
     */
    private final ArrayDeque<byte[]> storedSealed = new ArrayDeque<>();
    private long acked;           // every reading up to here is durable at the gateway (or refused)
    private long next = 1;        // the sequence number of the next reading offered
    private long sent;            // the last sequence number sent on the current stream
    private boolean finished;
    private boolean closed;
    private boolean dataEnded; // the service refused readings: its data has ended (permanent)
    private long rejected, reconnects;
    private boolean everConnected;
    private String configuration = "";
    private String lastProblem = "not connected yet";
    private long lastSend = System.nanoTime();
    private Stream stream;        // the current stream, null between connections
    private ManagedChannel channel;

    public Meter(String name, byte[] secret, Settings settings, Consumer<String> events) {
        this(name, secret, settings, events, new Disorder());
    }

    /** As above, with the readings' disorder tracked in {@code disorder} (shared by a fleet). */
    public Meter(String name, byte[] secret, Settings settings, Consumer<String> events, Disorder disorder) {
        ReadingBatch.checkMeter(name);
        this.disorder = disorder;
        this.name = name;
        this.secret = secret;
        this.settings = settings;
        this.sealer = settings.sealers() == null ? null : settings.sealers().apply(name);
        this.events = events;
        this.thread = new Thread(this::loop, "meter-" + name);
        thread.start();
    }

    public String name() {
        return name;
    }

    /** Whether this meter may send readings of this house (its sealing keys' houses; any, unsealed). */
    public boolean mayReport(long house) {
        return sealer == null || sealer.identity().houses().contains(house);
    }

    /**
     * Stores one reading to send; blocks while the storage is full.
     *
     * @throws IllegalArgumentException for a house this meter's sealing keys are not for ({@link #mayReport})
     */
    public void offer(Measurement m) throws InterruptedException {
        if (!mayReport(m.houseId())) {
            throw new IllegalArgumentException("house " + m.houseId() + " is not one of " + name + "'s houses in its "
                    + "keys (" + sealer.identity().houses() + "): the boundary would refuse it");
        }
        synchronized (this) {
            while (next - 1 - acked >= settings.maxUnacknowledged() && !closed) wait();
            if (closed) throw new IllegalStateException("meter " + name + " is closed");
            stored.add(m);
            if (sealer != null) storedSealed.add(seal(m)); // in the order of the stored readings
            next++;
            if (next - 1 - sent >= settings.batchSize()) notifyAll(); // a batch is full: send it now

        }
    }

    /** No more readings: the meter sends what it has and stops once all is acknowledged. */
    public synchronized void finish() {
        finished = true;
        notifyAll();
    }

    /** Waits until every reading offered is acknowledged. */
    public synchronized void awaitAcknowledged(long timeoutMs) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (acked < next - 1) {
            if (dataEnded) {
                throw new IllegalStateException("meter " + name + ": the service's data has ended; " + (next - 1 - acked)
                        + " readings not acknowledged");
            }
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                throw new IllegalStateException("meter " + name + ": " + (next - 1 - acked)
                        + " readings still unacknowledged");
            }
            wait(left);
        }
    }

    /** The configuration its last session negotiated (the adaptlets and their parameters). */
    public synchronized String configuration() {
        return configuration;
    }

    /** Waits until the meter's first stream is open and it knows where to resume. */
    public synchronized void awaitConnected(long timeoutMs) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (!everConnected) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) throw new IllegalStateException("meter " + name + " could not connect: " + lastProblem);
            wait(left);
        }
    }

    public synchronized Counts counts() {
        return new Counts(next - 1, acked, rejected, reconnects);
    }

    /**
     * Cuts the connection at once, as if the meter lost power: the stream and the session are gone; the stored
     * readings stay (the meter's storage survives), and it reconnects and resumes from what the gateway holds.
     */
    public void kill() {
        ManagedChannel c;
        synchronized (this) {
            c = channel;
        }
        if (c != null) c.shutdownNow();
    }

    private void loop() {
        long backoff = MIN_BACKOFF_MS;
        while (true) {
            synchronized (this) {
                if (closed || (finished && acked == next - 1)) return;
            }
            ManagedChannel c = settings.transport().channel(settings.target());
            ClientSession session = null;
            synchronized (this) {
                channel = c;
            }
            try {
                session = ClientSession.open(c, settings.policy(),
                        new ClientIdentity(name, secret).adaptlets(settings.transport()));
                synchronized (this) {
                    configuration = session.configuration().toString();
                }
                if (connection(session)) backoff = MIN_BACKOFF_MS; // it carried data: start the backoff over
            } catch (RuntimeException e) {
                if (isDataEnded(e)) { // permanent: the service reads nothing after the end of its data
                    synchronized (this) {
                        lastProblem = describe(e);
                        dataEnded = true;
                        closed = true;
                        notifyAll();
                    }
                    events.accept("meter " + name + ": " + describe(e) + "; " + (next - 1 - acked)
                            + " readings not sent");
                    return;
                }
                synchronized (this) {
                    lastProblem = describe(e);
                }
                events.accept("meter " + name + ": " + describe(e) + "; reconnecting in ~" + backoff + " ms");
            } finally {
                if (session != null) session.close();
                c.shutdownNow();
            }
            synchronized (this) {
                if (closed || (finished && acked == next - 1)) return;
                reconnects++;
                try {
                    wait(backoff / 2 + ThreadLocalRandom.current().nextLong(backoff / 2 + 1));
                } catch (InterruptedException e) {
                    return;
                }
            }
            backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
        }
    }

    /** The gateway's refusal of readings after the end of the data (IngestService): not worth a retry. */
    static boolean isDataEnded(Throwable e) {
        Status s = Status.fromThrowable(e);
        return s.getCode() == Status.Code.FAILED_PRECONDITION && s.getDescription() != null
                && s.getDescription().startsWith(LiveProtocol.DATA_ENDED);
    }

    /** Whether the service refused this meter's readings because its data has ended (the meter stopped). */
    public synchronized boolean dataEnded() {
        return dataEnded;
    }

    private static String describe(Throwable e) {
        Status s = Status.fromThrowable(e);
        return s.getCode() == Status.Code.UNKNOWN ? e.toString()
                : s.getCode() + (s.getDescription() == null ? "" : ": " + s.getDescription());
    }

    /** One stream: resume point, then batches while the transport takes them; returns whether acks came. */
    private boolean connection(ClientSession session) {
        Stream s = new Stream();
        ClientCalls.asyncBidiStreamingCall(session.channel().newCall(LiveProtocol.SEND, CallOptions.DEFAULT), s);
        boolean progressed = false;
        synchronized (this) {
            stream = s;
            s.requests.onNext(IngestWire.encode(new ReadingBatch(name, acked + 1, List.of()))); // where do I resume?
            try {
                while (!s.over) {
                    long unsent = next - 1 - sent;
                    if (s.resumed && s.ready && unsent > 0 && (unsent >= settings.batchSize() || finished
                            || System.nanoTime() - lastSend >= settings.lingerMs() * 1_000_000)) {
                        sendBatch(s);
                        continue;
                    }
                    if (finished && acked == next - 1) {
                        s.requests.onCompleted();
                        s.over = true;
                        break;
                    }
                    wait(settings.lingerMs());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                s.requests.cancel("meter closed", null);
            }
            progressed = s.acks > 0;
            stream = null;
            if (s.error != null && isDataEnded(s.error)) {
                throw Status.fromThrowable(s.error).asRuntimeException(); // final (the loop stops)
            }
            if (s.error != null && !closed) {
                events.accept("meter " + name + ": stream ended: " + describe(s.error));
            }
        }
        return progressed;
    }

    /**
     * Sends the next batch: up to {@code batchSize} readings, and at most {@link ReadingBatch#MAX_MESSAGE_BYTES} on
     * the wire (sealed readings are larger: a large {@code --batch} of them is cut by bytes, never refused).
     */
    private void sendBatch(Stream s) {
        long first = sent + 1;
        int skip = (int) (first - (acked + 1));
        int n = (int) Math.min(settings.batchSize(), next - first);
        List<Measurement> batch = new ArrayList<>(n);
        List<byte[]> sealed = sealer == null ? null : new ArrayList<>(n);
        long bytes = IngestWire.HEADER_BYTES_MAX;
        int i = 0;
        Iterator<byte[]> sealedReadings = storedSealed.iterator();
        for (Measurement m : stored) {
            byte[] r = sealed == null ? null : sealedReadings.next();
            if (i++ < skip) continue;
            if (sealed != null) {
                if (!batch.isEmpty() && bytes + IngestWire.SEALED_OVERHEAD + r.length > ReadingBatch.MAX_MESSAGE_BYTES) break;
                bytes += IngestWire.SEALED_OVERHEAD + r.length;
                sealed.add(r);
            } else {
                if (!batch.isEmpty() && bytes + IngestWire.PLAIN_READING_BYTES_MAX > ReadingBatch.MAX_MESSAGE_BYTES) break;
                bytes += IngestWire.PLAIN_READING_BYTES_MAX;
            }
            batch.add(m);
            if (batch.size() == n) break;
        }
        byte[] message = sealed == null ? IngestWire.encode(new ReadingBatch(name, first, batch))
                : IngestWire.encodeSealed(name, first, sealed);
        wireBytes += message.length;
        s.requests.onNext(message);
        disorder.pass(batch);
        sent = first + batch.size() - 1;
        lastSend = System.nanoTime();
        s.ready = s.requests.isReady();
    }

    /** Bytes of the batch messages sent so far (gRPC's framing and HTTP/2's not counted; resends counted). */
    public synchronized long wireBytes() {
        return wireBytes;
    }

    private byte[] seal(Measurement m) {
        return sealer.seal(m).toBytes();
    }

    private final class Stream implements ClientResponseObserver<byte[], byte[]> {
        ClientCallStreamObserver<byte[]> requests;
        boolean resumed, ready, over;
        long acks;
        Throwable error;

        @Override
        public void beforeStart(ClientCallStreamObserver<byte[]> requests) {
            this.requests = requests;
            requests.setOnReadyHandler(() -> {
                synchronized (Meter.this) {
                    ready = requests.isReady();
                    Meter.this.notifyAll();
                }
            });
        }

        @Override
        public void onNext(byte[] message) {
            Ack ack = IngestWire.decodeAck(message);
            synchronized (Meter.this) {
                acks++;
                long upTo = Math.min(ack.lastSeq(), next - 1);
                while (acked < upTo) {
                    stored.poll();
                    storedSealed.poll();
                    acked++;
                }
                if (!resumed) {
                    resumed = true; // the gateway holds everything up to acked: send what comes after
                    sent = acked;
                    everConnected = true;
                }
                if (ack.skipped() > 0) {
                    events.accept("meter " + name + ": the gateway counted " + ack.skipped()
                            + " sequence numbers skipped in the batch up to " + ack.lastSeq());
                }
                rejected += ack.rejected().size();
                for (ReadingBatch.Rejected r : ack.rejected()) {
                    if (rejected <= 10) events.accept("meter " + name + ": reading " + r.seq() + " refused: "
                            + r.reason().label() + ": " + r.message());
                }
                Meter.this.notifyAll();
            }
        }

        @Override
        public void onError(Throwable t) {
            synchronized (Meter.this) {
                error = t;
                over = true;
                Meter.this.notifyAll();
            }
        }

        @Override
        public void onCompleted() {
            synchronized (Meter.this) {
                over = true;
                Meter.this.notifyAll();
            }
        }
    }

    /** Stops at once; readings not yet acknowledged are not sent. */
    @Override
    public void close() throws InterruptedException {
        synchronized (this) {
            closed = true;
            notifyAll();
        }
        kill();
        thread.interrupt();
        thread.join(10_000);
    }
}
