package io.gridlet.server.live;

import io.gridlet.adaptlets.AdaptletServer;
import io.gridlet.adaptlets.builtin.Authorization;
import io.gridlet.adaptlets.builtin.ClientPuzzle;
import io.gridlet.adaptlets.builtin.Compression;
import io.gridlet.core.wire.ReadingBatch;
import io.gridlet.adaptlets.builtin.HmacAuth;
import io.gridlet.adaptlets.builtin.Identities;
import io.gridlet.adaptlets.builtin.MutualTlsAuth;
import io.gridlet.adaptlets.builtin.Priority;
import io.gridlet.client.LivePolicies;
import io.gridlet.client.LiveProtocol;
import io.gridlet.core.model.HouseSet;
import io.gridlet.core.model.Measurement;
import io.gridlet.core.wire.DataClock;
import io.gridlet.core.wire.Disorder;
import io.gridlet.flink.operators.Boundary;
import io.gridlet.flink.sink.ResultHub;
import io.gridlet.log.IngestLog;
import io.gridlet.log.LogRecord;
import io.grpc.InsecureServerCredentials;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * {@code gridlet serve}'s network side: the ingest and results services behind the negotiated adaptlets (the
 * built-ins: puzzle, auth.hmac, auth.mtls, authz, priority, as the server policy asks), and the standard gRPC
 * health service without a session; in plaintext or over TLS ({@link ServerTls}; {@code auth.mtls} needs its
 * client CA). Meters ({@code meter} role) may send their own readings only; the end of
 * the data takes the {@code operator} role; results take {@code analyst} or {@code operator}.
 *
 * <p>Health: SERVING while the log takes entries and the job runs; NOT_SERVING otherwise.
 */
public final class Gateway implements AutoCloseable {
    private final AdaptletServer server;
    private final IngestLog.Writer log;
    private final IngestService ingest;
    private final ResultsService results;
    private final HealthStatusManager health = new HealthStatusManager();
    private final ScheduledExecutorService watch = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "gridlet-health");
        t.setDaemon(true);
        return t;
    });

    /**
     * What the gateway is made of; {@code appended} sees the readings of every entry as it is appended (for
     * measurements; called on the ingest threads, must be quick); {@code tls} null: plaintext.
     */
    public record Settings(String policy, Identities identities, InetSocketAddress address, MeterRegistry registry,
                           BooleanSupplier jobRunning, Consumer<List<Measurement>> appended, Boundary boundary,
                           ServerTls tls, DataClock.Limits clock) {
        public Settings(String policy, Identities identities, InetSocketAddress address, MeterRegistry registry,
                        BooleanSupplier jobRunning) {
            this(policy, identities, address, registry, jobRunning, readings -> { }, Boundary.PLAIN, null,
                    DataClock.Limits.DEFAULTS);
        }

        public static Settings of(String policy, Identities identities, int port) {
            return new Settings(policy, identities, new InetSocketAddress("127.0.0.1", port),
                    new SimpleMeterRegistry(), () -> true);
        }

        public Settings appended(Consumer<List<Measurement>> listener) {
            return new Settings(policy, identities, address, registry, jobRunning, listener, boundary, tls, clock);
        }

        /** Results go to subscribers sealed for the data owner inside this boundary (as they leave the job). */
        public Settings boundary(Boundary sealedResults) {
            return new Settings(policy, identities, address, registry, jobRunning, appended, sealedResults, tls,
                    clock);
        }

        /** The same, serving over TLS (null: plaintext). */
        public Settings tls(ServerTls with) {
            return new Settings(policy, identities, address, registry, jobRunning, appended, boundary, with, clock);
        }

        /** The service's data time: max lateness (the job's too), how far ahead, clock skew, idleness. */
        public Settings clock(DataClock.Limits limits) {
            return new Settings(policy, identities, address, registry, jobRunning, appended, boundary, tls, limits);
        }
    }

    private Gateway(IngestLog ingestLog, ResultHub hub, Settings s) throws IOException {
        this.log = ingestLog.openWriter();
        this.results = new ResultsService(hub, s.boundary());
        try {
            this.ingest = new IngestService(log, s.registry(), this::endOfData, s.appended(),
                    id -> s.identities().identity(id) != null, housesOf(s.identities()), s.clock(),
                    s.boundary().isSealed());
            byte[] puzzleKey = new byte[32];
            new SecureRandom().nextBytes(puzzleKey);
            AdaptletServer.Builder builder = AdaptletServer.builder(s.policy());
            if (s.policy().equals(LivePolicies.bundled(LivePolicies.GATEWAY))) {
                builder.clientPolicy(LivePolicies.bundled(LivePolicies.CLIENT)); // the meters' and subscribers'
            }
            server = builder
                    .address(s.address())
                    .credentials(s.tls() == null ? InsecureServerCredentials.create() : s.tls().credentials())
                    .registry(s.registry())
                    // a meter's batch is at most ReadingBatch.MAX_MESSAGE_BYTES (Meter cuts by bytes): no more is read
                    .maxMessageBytes(ReadingBatch.MAX_MESSAGE_BYTES + (64 << 10))
                    .adaptlet(ClientPuzzle.server(puzzleKey), HmacAuth.server(s.identities()),
                            MutualTlsAuth.server(s.identities()), Priority.server(), Compression.server(),
                            Authorization.server(
                                    Authorization.Rule.of(LiveProtocol.INGEST + "/Send", "meter")
                                            .ownedBy(LiveProtocol::meterOf),
                                    Authorization.Rule.of(LiveProtocol.INGEST + "/EndOfData", "operator"),
                                    Authorization.Rule.of(LiveProtocol.RESULTS + "/*", "analyst", "operator")))
                    .service(ingest.definition())
                    .service(results.definition())
                    .openService(health.getHealthService().bindService())
                    .start();
        } catch (IOException | RuntimeException e) {
            results.close();
            log.close();
            throw e;
        }
        watch.scheduleWithFixedDelay(() -> {
            ServingStatus status = ingest.failure() == null && s.jobRunning().getAsBoolean()
                    ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
            health.setStatus("", status);
            health.setStatus(LiveProtocol.INGEST, status);
        }, 0, 1, TimeUnit.SECONDS);
    }

    /**
     * The houses each identity may report for, from its {@code houses=} attribute (every house without one);
     * read once, so a bad attribute fails the start, not a batch.
     */
    static Function<String, HouseSet> housesOf(Identities identities) {
        Map<String, HouseSet> owned = new HashMap<>();
        for (String id : identities.ids()) {
            String text = identities.attribute(id, "houses");
            if (text == null) continue;
            try {
                owned.put(id, HouseSet.parse(text));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("the houses of " + id + ": " + e.getMessage());
            }
        }
        return id -> owned.getOrDefault(id, HouseSet.ALL);
    }

    /** Opens the log (recovering where every meter stands) and starts serving. */
    public static Gateway start(IngestLog log, ResultHub hub, Settings settings) throws IOException {
        return new Gateway(log, hub, settings);
    }

    public int port() {
        return server.port();
    }

    public AdaptletServer server() {
        return server;
    }

    /** Meters the gateway knows (from the log and since it started). */
    public int meters() {
        return ingest.meters();
    }

    /**
     * How far behind in data time readings reached the log (see {@link Disorder}): the job's max lateness must
     * cover it, or it rejects such readings as late.
     */
    public long disorderSeconds() {
        return ingest.disorderSeconds();
    }

    /** The service's data time (the watermark over meters; see {@link DataClock}), or {@link DataClock#NONE}. */
    public long dataTime() {
        return ingest.dataTime();
    }

    /** Appends the end-of-data entry and waits until it is durable: the job finishes after it. */
    public void endOfData() {
        try {
            ingest.appendEndOfData().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("could not append the end of data: " + e, e);
        }
    }

    /** Stops serving: calls in flight get a second to finish, then are cut; the log is closed after. */
    @Override
    public void close() throws IOException, InterruptedException {
        close(Duration.ofSeconds(1)); // meters' streams are long: they reconnect elsewhere
    }

    /**
     * Stops serving with this much grace for calls in flight ({@link Duration#ZERO}: cut at once, as in a crash,
     * acknowledgements not yet sent are never sent); closes the log after its last entries are durable.
     */
    public void close(Duration grace) throws IOException, InterruptedException {
        watch.shutdownNow();
        health.enterTerminalState();
        try {
            server.close(grace);
        } finally {
            results.close();
            log.close();
        }
    }
}
