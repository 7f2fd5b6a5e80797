package io.gridlet.adaptlets;

import com.sun.management.OperatingSystemMXBean;
import io.gridlet.policy.Policy;
import io.gridlet.policy.PolicyParser;
import io.gridlet.policy.sat.Resolver;
import io.grpc.BindableService;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;

/**
 * A gRPC server (Netty) whose services run the adaptlets its sessions negotiate: the session service
 * ({@code gridlet.session.v1.Session/Open}, puzzle-gated when the server is loaded: {@link SessionService}), the application's
 * services woven with {@link WovenServer}, calls admitted (within the {@link AdmissionLimits}) and ranked by
 * {@link Admission} before they are queued for the {@link ServingExecutor}, and a loop that samples the policy's
 * run-time inputs ({@code cpuUsage()}: the machine's CPU load 0..1; {@code queueLength()}: calls waiting for a worker;
 * {@code callRate()}: calls per second arriving, refused and challenged ones included, which stays high while a
 * flood is held off by a puzzle, unlike the queue: the highest rate of the samples of the last
 * {@link #CALL_RATE_MEMORY}, so it rises at once and falls only when the flood has been gone that long, and an
 * attacker pausing now and then cannot turn the puzzle off and on; plus any added) and re-resolves the sessions
 * when they change. Listens on 127.0.0.1 unless told otherwise.
 */
public final class AdaptletServer implements AutoCloseable {
    private final Server server;
    private final ServerSessions sessions;
    private final ServingExecutor serving;
    private final ServingExecutor negotiation;
    private final Admission admission;
    private final DecisionCounts outcomes;
    private final Weaver weaver;
    private final ScheduledExecutorService refresher;
    private final Map<String, DoubleSupplier> inputSources;
    private volatile Map<String, Double> inputs;
    /** How long a call rate sampled counts in {@code callRate()}. */
    public static final Duration CALL_RATE_MEMORY = Duration.ofSeconds(3);

    private final ArrayDeque<RateSample> recentRates = new ArrayDeque<>(); // decreasing rates; guarded by this
    private long lastArrivals;
    private long lastSampleNanos = System.nanoTime();

    private AdaptletServer(Builder b) throws IOException {
        Policy policy = PolicyParser.parse("server", b.policyText);
        this.weaver = new Weaver(b.adaptlets);
        TreeSet<String> missing = new TreeSet<>(policy.features().keySet());
        missing.removeAll(weaver.names());
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("the server policy declares " + missing
                    + ", which no adaptlet on this side implements (adaptlets: " + weaver.names() + ")");
        }
        this.outcomes = new DecisionCounts(b.registry);
        List<ServingExecutor.ServingRank> ranks = new ArrayList<>();
        OpenGuard guard = null;
        for (Adaptlet a : b.adaptlets) {
            if (a instanceof ServingExecutor.ServingRank r) ranks.add(r);
            if (a instanceof OpenGuard g && guard == null) guard = g;
        }
        this.serving = new ServingExecutor(b.workers, b.limits.unverifiedWorkers(b.workers), outcomes,
                "gridlet-serve-", System::nanoTime);
        this.negotiation = new ServingExecutor(1, 1, outcomes, "gridlet-negotiate-", System::nanoTime);
        this.inputSources = new LinkedHashMap<>();
        OperatingSystemMXBean os =
                (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        inputSources.put("cpuUsage", () -> Math.max(0, os.getCpuLoad()));
        inputSources.put("queueLength", serving::queueLength);
        inputSources.put("callRate", this::callRate);
        inputSources.putAll(b.inputs);
        CompiledPolicies policies = new CompiledPolicies(policy, () -> inputs, b.limits.compiledPolicies(),
                Resolver.DEFAULT_TIMEOUT_MS);
        this.sessions = new ServerSessions(policies, b.limits, System::nanoTime, outcomes);
        this.admission = new Admission(serving, negotiation, sessions, ranks, outcomes, System::nanoTime);
        sampleInputs(); // the call rate counts the arrivals admission sees

        ServerBuilder<?> builder = (b.transport != null ? b.transport
                : NettyServerBuilder.forAddress(b.address, b.credentials))
                .directExecutor() // only to look the method up and admit the call; calls run on the serving executor
                .callExecutor(admission)
                .maxInboundMessageSize(b.maxMessageBytes > 0 ? b.maxMessageBytes : 4 << 20)
                .addService(new SessionService(sessions, guard, admission::loaded, outcomes).definition());
        WovenServer woven = new WovenServer(sessions, weaver, outcomes);
        for (ServerServiceDefinition service : b.services) builder.addService(ServerInterceptors.intercept(service, woven));
        for (ServerServiceDefinition service : b.open) builder.addService(service);
        builder.intercept(admission); // added last, so it runs first: a refused call goes no further
        try {
            for (String known : b.clientPolicies) policies.keep(known);
            this.server = builder.build().start();
        } catch (IOException | RuntimeException e) {
            serving.close(); // their worker threads would outlive a server that never started
            negotiation.close();
            throw e;
        }
        this.refresher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "gridlet-session-refresh");
            t.setDaemon(true);
            return t;
        });
        long every = b.refreshEvery.toMillis();
        refresher.scheduleWithFixedDelay(this::refresh, every, every, TimeUnit.MILLISECONDS);
    }

    public static Builder builder(String serverPolicyText) {
        return new Builder(serverPolicyText);
    }

    public int port() {
        return server.getPort();
    }

    public DecisionCounts outcomes() {
        return outcomes;
    }

    public ServerSessions sessions() {
        return sessions;
    }

    public ServingExecutor serving() {
        return serving;
    }

    public AdmissionLimits limits() {
        return sessions.limits();
    }

    public Weaver weaver() {
        return weaver;
    }

    /** The run-time inputs as last sampled. */
    public Map<String, Double> inputs() {
        return inputs;
    }

    /** Samples the inputs and re-resolves the sessions now; returns how many changed configuration. */
    public int refresh() {
        sampleInputs();
        admission.prune();
        int changed = sessions.refresh();
        if (changed > 0) outcomes.count(WovenServer.SESSION, "reconfigured");
        return changed;
    }

    /**
     * Calls per second that arrived since the last sample, refused and challenged ones included; the highest such
     * rate of the last {@link #CALL_RATE_MEMORY}.
     */
    private synchronized double callRate() {
        long now = System.nanoTime();
        long arrivals = admission.arrivals();
        double rate = now == lastSampleNanos ? 0 : (arrivals - lastArrivals) * 1e9 / (now - lastSampleNanos);
        lastArrivals = arrivals;
        lastSampleNanos = now;
        while (!recentRates.isEmpty() && now - recentRates.peekFirst().at() > CALL_RATE_MEMORY.toNanos()) {
            recentRates.pollFirst();
        }
        while (!recentRates.isEmpty() && recentRates.peekLast().rate() <= rate) recentRates.pollLast(); // never the max
        recentRates.addLast(new RateSample(now, rate));
        return recentRates.peekFirst().rate();
    }

    private record RateSample(long at, double rate) {
    }

    private void sampleInputs() {
        Map<String, Double> now = new LinkedHashMap<>();
        inputSources.forEach((name, source) -> now.put(name, source.getAsDouble()));
        inputs = Map.copyOf(now);
    }

    @Override
    public void close() throws InterruptedException {
        close(Duration.ofSeconds(5));
    }

    /** Stops taking calls, lets those in flight finish for up to {@code grace}, then cuts the rest. */
    public void close(Duration grace) throws InterruptedException {
        refresher.shutdownNow();
        server.shutdown();
        if (!server.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
            server.shutdownNow();
            server.awaitTermination(5, TimeUnit.SECONDS);
        }
        serving.close();
        negotiation.close();
    }

    public static final class Builder {
        private final String policyText;
        private final List<Adaptlet> adaptlets = new ArrayList<>();
        private final List<ServerServiceDefinition> services = new ArrayList<>();
        private final List<ServerServiceDefinition> open = new ArrayList<>();
        private final Map<String, DoubleSupplier> inputs = new LinkedHashMap<>();
        private final List<String> clientPolicies = new ArrayList<>();
        private InetSocketAddress address = new InetSocketAddress("127.0.0.1", 0);
        private ServerCredentials credentials = InsecureServerCredentials.create();
        private ServerBuilder<?> transport;
        private MeterRegistry registry = new SimpleMeterRegistry();
        private int workers = Math.max(2, Runtime.getRuntime().availableProcessors());
        private Duration refreshEvery = Duration.ofSeconds(1);
        private AdmissionLimits limits = AdmissionLimits.DEFAULTS;
        private int maxMessageBytes; // 0: gRPC's default (4 MiB)

        private Builder(String policyText) {
            this.policyText = policyText;
        }

        public Builder adaptlet(Adaptlet... more) {
            adaptlets.addAll(List.of(more));
            return this;
        }

        public Builder service(BindableService service) {
            return service(service.bindService());
        }

        public Builder service(ServerServiceDefinition service) {
            services.add(service);
            return this;
        }

        /**
         * A service served without a session and without adaptlets (a health check that load balancers call).
         */
        public Builder openService(ServerServiceDefinition service) {
            open.add(service);
            return this;
        }

        /**
         * A client policy this server's clients are known to offer (a fleet's): compiled when the server starts
         * and kept compiled, so its clients never wait for a compile, whatever other peers offer meanwhile.
         *
         * @throws IllegalArgumentException at start, if it cannot be read or compiled
         */
        public Builder clientPolicy(String policyText) {
            clientPolicies.add(policyText);
            return this;
        }

        /** A run-time input the server policy can read as {@code name()}. */
        public Builder input(String name, DoubleSupplier source) {
            inputs.put(name, source);
            return this;
        }

        public Builder address(InetSocketAddress address) {
            this.address = address;
            return this;
        }

        /** TLS (for {@code auth.mtls}: with client authentication required). Plaintext by default. */
        public Builder credentials(ServerCredentials credentials) {
            this.credentials = credentials;
            return this;
        }

        /**
         * Another transport than Netty on {@link #address}: an in-process server for benchmarks that measure the
         * weaving without a network stack, say. The executor, services and interceptors are set on it here.
         */
        public Builder transport(ServerBuilder<?> transport) {
            this.transport = transport;
            return this;
        }

        public Builder registry(MeterRegistry registry) {
            this.registry = registry;
            return this;
        }

        /** Threads serving calls (default: the machine's cores, at least 2). */
        public Builder workers(int workers) {
            this.workers = workers;
            return this;
        }

        /** How often the inputs are sampled and the sessions re-resolved (default 1 s). */
        public Builder refreshEvery(Duration every) {
            this.refreshEvery = every;
            return this;
        }

        /** What peers may make the server hold or do (default {@link AdmissionLimits#DEFAULTS}). */
        public Builder limits(AdmissionLimits limits) {
            this.limits = limits;
            return this;
        }

        /**
         * The largest message a peer may send, decompressed (gRPC refuses a larger one with RESOURCE_EXHAUSTED
         * before any handler sees it); default gRPC's 4 MiB.
         */
        public Builder maxMessageBytes(int bytes) {
            if (bytes < 1) throw new IllegalArgumentException("maxMessageBytes must be >= 1, got " + bytes);
            this.maxMessageBytes = bytes;
            return this;
        }

        /** The limits' {@link AdmissionLimits#sessions()} and {@link AdmissionLimits#sessionIdle()}. */
        public Builder sessions(int max, Duration idle) {
            this.limits = limits.toBuilder().sessions(max, idle).build();
            return this;
        }

        /** The limits' {@link AdmissionLimits#newPoliciesPerSecond()}. */
        public Builder newPoliciesPerSecond(double rate) {
            this.limits = limits.toBuilder().newPoliciesPerSecond(rate).build();
            return this;
        }

        public AdaptletServer start() throws IOException {
            return new AdaptletServer(this);
        }
    }
}
