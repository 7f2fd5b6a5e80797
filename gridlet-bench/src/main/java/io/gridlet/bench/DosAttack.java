package io.gridlet.bench;

import io.gridlet.adaptlets.Adaptlet;
import io.gridlet.adaptlets.ClientAdvice;
import io.gridlet.adaptlets.ClientSession;
import io.gridlet.adaptlets.OverLimit;
import io.gridlet.adaptlets.ServerAdvice;
import io.gridlet.adaptlets.SessionProtocol;
import io.gridlet.adaptlets.builtin.ClientPuzzle;
import io.gridlet.adaptlets.builtin.HmacAuth;
import io.gridlet.adaptlets.builtin.Priority;
import io.gridlet.client.ClientIdentity;
import io.gridlet.client.LivePolicies;
import io.gridlet.client.IngestWire;
import io.gridlet.client.LiveProtocol;
import io.gridlet.core.wire.ReadingBatch;
import io.gridlet.policy.Negotiation;
import io.grpc.Attributes;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ForwardingClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * The attackers of {@link DosBenchmark}, one kind per phase. Each runs until stopped and counts what it got, by
 * outcome ({@code ok}, or the status code with the limit, challenge or refusal reason the server named). An attack
 * runs either in the benchmark's JVM (its threads all named {@code attack-*}) or in a JVM of its own
 * ({@link #main}: the benchmark's default, so that the attacker's garbage and JIT do not pause the server, and its
 * CPU time is measured apart). In its own JVM it speaks a line protocol on stdin/stdout: it prints {@code event
 * <name> [text]} lines ({@code ready} once it attacks); on {@code counts} from stdin it prints its counts so far
 * ({@code count <n> <outcome>} lines, then {@code counted}), and on {@code stop} it stops and prints its counts and
 * {@code done}.
 *
 * <p>Attackers use their own Netty event loop ({@code threads} of them, default 1) and run callbacks on it: their
 * client CPU is bounded by that and by the in-flight windows, not by the server.
 */
abstract class DosAttack {
    /** A client policy that negotiates the puzzle (and, on this benchmark's server, gets it off). */
    static final String PUZZLE_CLIENT_POLICY = """
            policy client {
              feature puzzle(difficulty: 0..24);
              puzzle requires puzzle.difficulty <= 16;
              prefer low puzzle.difficulty;
            }
            """;
    /** An anonymous client: asks for the top priority class the server allows, no authentication. */
    static final String ANONYMOUS_PRIORITY_POLICY = """
            policy anonymous {
              feature priority(level: 0..3);
              priority;
              prefer high priority.level;
            }
            """;
    /** An authenticating client with a priority class (the legitimate clients of the priority phases, too). */
    static final String SIGNED_PRIORITY_POLICY = """
            policy signed {
              feature auth.hmac;
              feature priority(level: 0..3);
              auth.hmac;
              priority;
              prefer high priority.level;
            }
            """;
    private static final Metadata.Key<String> SESSION_HEADER =
            Metadata.Key.of("gridlet-session", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> CONFIG_HEADER =
            Metadata.Key.of("gridlet-config", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> ADAPTLETS_HEADER =
            Metadata.Key.of("gridlet-adaptlets", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> CHALLENGE_TRAILER =
            Metadata.Key.of("gridlet-challenge", Metadata.ASCII_STRING_MARSHALLER);

    final Map<String, String> args;
    final int port;
    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
    final AtomicBoolean stop = new AtomicBoolean();
    private final List<Thread> threads = new ArrayList<>();
    private final List<ManagedChannel> channels = new ArrayList<>();
    private final List<ClientSession> sessions = new ArrayList<>();
    private final NioEventLoopGroup loop;
    private volatile Consumer<String> events = e -> { };

    DosAttack(Map<String, String> args) {
        this.args = args;
        this.port = Integer.parseInt(args.get("port"));
        this.loop = new NioEventLoopGroup(intArg("threads", 1), new DefaultThreadFactory("attack-elg", true));
    }

    /** The attack of this kind; {@code args} hold its port and parameters (see each kind). */
    static DosAttack of(String kind, Map<String, String> args) {
        return switch (kind) {
            case "flood" -> new Flood(args);
            case "open-flood" -> new OpenFlood(args, false);
            case "compile-bombs" -> new OpenFlood(args, true);
            case "forged-priority" -> new ForgedPriority(args);
            case "replay-fill" -> new ReplayFill(args);
            case "oversized" -> new Oversized(args);
            default -> throw new IllegalArgumentException("no attack kind " + kind);
        };
    }

    /** Where its events go ({@code ready}, {@code share-full}, {@code probe ...}). */
    void onEvent(Consumer<String> listener) {
        this.events = listener;
    }

    void event(String e) {
        events.accept(e);
    }

    /** Sets up (sessions, probes) and starts attacking; emits {@code ready} once it does. */
    abstract void start() throws Exception;

    /** Stops attacking, closes its channels; returns its counts. */
    Map<String, Long> stop() throws InterruptedException {
        stop.set(true);
        for (Thread t : threads) t.join(10_000);
        for (ClientSession s : sessions) s.close();
        for (ManagedChannel c : channels) c.shutdownNow();
        for (ManagedChannel c : channels) c.awaitTermination(5, TimeUnit.SECONDS);
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        return counts();
    }

    Map<String, Long> counts() {
        Map<String, Long> out = new TreeMap<>();
        counts.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    void count(String outcome) {
        counts.computeIfAbsent(outcome, k -> new LongAdder()).increment();
    }

    void count(String outcome, long n) {
        counts.computeIfAbsent(outcome, k -> new LongAdder()).add(n);
    }

    int intArg(String name, int dflt) {
        String v = args.get(name);
        return v == null ? dflt : Integer.parseInt(v);
    }

    double doubleArg(String name, double dflt) {
        String v = args.get(name);
        return v == null ? dflt : Double.parseDouble(v);
    }

    /** A channel to the server on 127.0.0.1 whose connections come from {@code from} (any 127.0.0.0/8 address). */
    ManagedChannel channel(String from) {
        if (!from.startsWith("127.")) throw new IllegalArgumentException("loopback addresses only, got " + from);
        NettyChannelBuilder b = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext()
                .eventLoopGroup(loop).channelType(NioSocketChannel.class).directExecutor()
                .maxInboundMessageSize(8 << 20);
        if (!from.equals("127.0.0.1")) {
            b.localSocketPicker(new NettyChannelBuilder.LocalSocketPicker() {
                @Override
                public InetSocketAddress createSocketAddress(SocketAddress remote, Attributes attrs) {
                    return new InetSocketAddress(from, 0);
                }
            });
        }
        ManagedChannel c = b.build();
        synchronized (channels) {
            channels.add(c);
        }
        return c;
    }

    ClientSession session(Channel channel, String policy, List<? extends Adaptlet> adaptlets) {
        ClientSession s = ClientSession.open(channel, policy, adaptlets);
        synchronized (sessions) {
            sessions.add(s);
        }
        return s;
    }

    /** The source addresses: {@code peers} of them from 127.0.0.2 on. */
    List<String> peers() {
        int n = intArg("peers", 1);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add("127.0.0." + (2 + i));
        return out;
    }

    /** One asynchronous attempt; it calls {@code done} exactly once when it ends, however it ends. */
    interface Shot {
        void fire(long n, Runnable done);
    }

    /**
     * A thread firing shots as fast as {@code window} attempts in flight allow, or at {@code rate} a second
     * (0: no pacing).
     */
    void pump(String name, int window, double rate, Shot shot) {
        Semaphore inFlight = new Semaphore(window);
        Thread t = new Thread(() -> {
            long start = System.nanoTime();
            long n = 0;
            while (!stop.get()) {
                if (rate > 0) {
                    long wait = start + (long) (n * 1e9 / rate) - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(Math.min(wait, 50_000_000));
                        continue;
                    }
                }
                try {
                    if (!inFlight.tryAcquire(50, TimeUnit.MILLISECONDS)) continue;
                } catch (InterruptedException e) {
                    return;
                }
                AtomicBoolean released = new AtomicBoolean();
                try {
                    shot.fire(n++, () -> {
                        if (released.compareAndSet(false, true)) inFlight.release();
                    });
                } catch (RuntimeException e) {
                    count("client-error " + e.getClass().getSimpleName());
                    if (released.compareAndSet(false, true)) inFlight.release();
                }
            }
            try { // let the attempts in flight end, so that their outcomes are counted
                inFlight.tryAcquire(window, 6, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "attack-" + name);
        t.setDaemon(true);
        synchronized (threads) {
            threads.add(t);
        }
        t.start();
    }

    /** A unary call's observer counting its outcome under {@code prefix}. */
    <T> StreamObserver<T> counting(String prefix, Runnable done) {
        return new StreamObserver<>() {
            @Override
            public void onNext(T value) {
            }

            @Override
            public void onError(Throwable t) {
                count(prefix + outcome(t));
                done.run();
            }

            @Override
            public void onCompleted() {
                count(prefix + "ok");
                done.run();
            }
        };
    }

    /**
     * A failed call's outcome: the status code, and what the server named: the limit (trailer
     * {@code gridlet-limit}), the challenging adaptlet, or the refusal (from the description).
     */
    static String outcome(Throwable t) {
        Status s = Status.fromThrowable(t);
        Metadata trailers = Status.trailersFromThrowable(t);
        String limit = trailers == null ? null : trailers.get(OverLimit.LIMIT);
        if (limit != null) return s.getCode() + "/" + limit;
        String challenger = trailers == null ? null : trailers.get(CHALLENGE_TRAILER);
        if (challenger != null) return s.getCode() + "/challenged-by-" + challenger;
        String d = s.getDescription() == null ? "" : s.getDescription();
        String why = d.contains("unknown or expired session") ? "unknown-session"
                : d.contains("no session") ? "no-session"
                : d.contains("above the session") ? "above-session"
                : d.contains("ceiling") ? "above-caller"
                : d.contains("nonce was used") ? "replayed-nonce"
                : d.contains("signature") ? "bad-signature"
                : d.contains("adaptlet set mismatch") ? "adaptlet-mismatch"
                : d.contains("renegotiate") ? "stale-configuration"
                : null;
        return why == null ? s.getCode().name() : s.getCode() + "/" + why;
    }

    // ---------------------------------------------------------------------------------------------------------

    /**
     * {@code flood}: calls at {@code rate} a second with at most {@code window} in flight, in 4 sessions that
     * negotiated the puzzle like anyone and never solve one (the benchmark's original attack).
     */
    static final class Flood extends DosAttack {
        Flood(Map<String, String> args) {
            super(args);
        }

        @Override
        void start() {
            List<ClientSession> own = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                own.add(session(channel("127.0.0.1"), PUZZLE_CLIENT_POLICY, List.of(new NoSolver())));
            }
            pump("flood", intArg("window", 2000), doubleArg("rate", 1000), (n, done) ->
                    ClientCalls.asyncUnaryCall(own.get((int) (n % own.size())).channel().newCall(EchoService.SAY,
                            CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS)), "flood", counting("", done)));
            event("ready");
        }
    }

    /** An attacker's puzzle half: it negotiates the puzzle like anyone and then never solves one. */
    static final class NoSolver implements Adaptlet {
        @Override
        public String name() {
            return ClientPuzzle.NAME;
        }

        @Override
        public Set<String> before() {
            return ClientPuzzle.client().before();
        }

        @Override
        public ClientAdvice client(Map<String, Object> params) {
            return new ClientAdvice() {
            };
        }

        @Override
        public ServerAdvice server(Map<String, Object> params) {
            throw Adaptlet.wrongSide(name(), "server");
        }
    }

    // ---------------------------------------------------------------------------------------------------------

    /**
     * {@code open-flood}: {@code gridlet.session.v1.Session/Open} as fast as answered from each of {@code peers} loopback
     * addresses ({@code window} in flight per address, or {@code rate} a second per address), each offer a fresh
     * valid policy nobody sent before; never solving the Open puzzle. {@code compile-bombs}: the same with the
     * policies of {@link #bombs()}, each made new by a comment, after probing each alone (the {@code probe}
     * events: its time and answer on the idle server).
     */
    static final class OpenFlood extends DosAttack {
        private final boolean bombs;
        private final AtomicLong made = new AtomicLong();
        private final String salt = HexFormat.of().formatHex(new SecureRandom().generateSeed(4));

        OpenFlood(Map<String, String> args, boolean bombs) {
            super(args);
            this.bombs = bombs;
        }

        @Override
        void start() throws Exception {
            Map<String, String> kinds = bombs ? selectedBombs() : Map.of("small", "");
            List<String> names = new ArrayList<>(kinds.keySet());
            if (bombs) probe(kinds);
            int window = intArg("window", 16);
            double rate = doubleArg("rate", 0);
            for (String peer : peers()) {
                ManagedChannel c = channel(peer);
                pump("open-" + peer, window, rate, (n, done) -> {
                    String kind = names.get((int) (n % names.size()));
                    String text = bombs ? distinct(kinds.get(kind)) : smallPolicy();
                    open(c, text, bombs ? kind + ": " : "", done);
                });
            }
            event("ready");
        }

        private Map<String, String> selectedBombs() {
            Map<String, String> all = bombs();
            String only = args.get("bombs");
            if (only == null || only.equals("all")) return all;
            Map<String, String> some = new LinkedHashMap<>();
            for (String k : only.split(",")) {
                if (!all.containsKey(k)) {
                    throw new IllegalArgumentException("no bomb " + k + "; bombs: " + all.keySet());
                }
                some.put(k, all.get(k));
            }
            return some;
        }

        /**
         * Each bomb alone, twice (the first warms the server's code up): time to the answer, and the answer. A
         * refusal for the rate of new policies (or of Opens) is waited out and the bomb sent again: it says
         * nothing about the bomb.
         */
        private void probe(Map<String, String> kinds) throws InterruptedException {
            ManagedChannel c = channel("127.0.0.1");
            for (int round = 0; round < 2; round++) {
                for (Map.Entry<String, String> k : kinds.entrySet()) {
                    for (int attempt = 0; attempt < 40; attempt++) {
                        String text = distinct(k.getValue());
                        long t0 = System.nanoTime();
                        String answer;
                        try {
                            SessionProtocol.Reply r = ClientCalls.blockingUnaryCall(c, SessionProtocol.OPEN,
                                    CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS),
                                    new Negotiation.Offer(Negotiation.digest(text), text));
                            answer = answer(r);
                            if (r.answer() instanceof Negotiation.Refused refused && !refused.details().isEmpty()) {
                                String d = refused.details().get(0);
                                answer += " (" + (d.length() > 90 ? d.substring(0, 90) + "..." : d) + ")";
                            }
                        } catch (RuntimeException e) {
                            answer = outcome(e);
                        }
                        double ms = (System.nanoTime() - t0) / 1e6;
                        if (answer.endsWith("/new-policies") || answer.endsWith("/opens-per-peer")) {
                            Thread.sleep(250);
                            continue;
                        }
                        if (round == 1) {
                            event(String.format(Locale.ROOT, "probe %-17s %6d chars %8.1f ms  %s", k.getKey(),
                                    text.length(), ms, answer));
                        }
                        break;
                    }
                }
            }
        }

        private void open(Channel c, String text, String prefix, Runnable done) {
            ClientCalls.asyncUnaryCall(c.newCall(SessionProtocol.OPEN,
                            CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS)),
                    new Negotiation.Offer(Negotiation.digest(text), text), new StreamObserver<>() {
                        @Override
                        public void onNext(SessionProtocol.Reply r) {
                            count(prefix + answer(r));
                        }

                        @Override
                        public void onError(Throwable t) {
                            count(prefix + outcome(t));
                            done.run();
                        }

                        @Override
                        public void onCompleted() {
                            done.run();
                        }
                    });
        }

        private static String answer(SessionProtocol.Reply r) {
            if (r.answer() instanceof Negotiation.Agreed) return "opened";
            if (r.answer() instanceof Negotiation.Refused refused) return "refused-" + refused.reason();
            return "need-policy";
        }

        /** A small valid policy, different from every other this attacker sent (and agreeing with the server's). */
        private String smallPolicy() {
            long n = made.incrementAndGet();
            int bits = 1 + (int) (n % 16);
            return "policy o" + salt + n + " {\n  feature puzzle(difficulty: 0..24);\n  puzzle requires "
                    + "puzzle.difficulty <= " + bits + ";\n  prefer low puzzle.difficulty;\n}\n";
        }

        private String distinct(String bomb) {
            return bomb + "# " + salt + " " + made.incrementAndGet() + "\n";
        }
    }

    /**
     * Policies built to make the server work, just within and just over the bounds of
     * {@link io.gridlet.policy.CompileBudget} for a peer's policy (50,000 nodes with let bindings written out, 64
     * levels, 20,000 variables and 50,000 clauses for the pair, 200 ms of CPU), as calibrated against this
     * benchmark's server policy (which declares {@code puzzle} only), and some far over them. The costly ones are
     * small: a wide {@code exactly-one} of k alternatives is encoded pairwise (about 2 k^2 clauses) and, being
     * unsatisfiable, explained (a minimal conflict).
     */
    static Map<String, String> bombs() {
        Map<String, String> b = new LinkedHashMap<>();
        b.put("let-2^40", letBomb(40));          // over: 2^41 nodes written out, refused by the parser at once
        b.put("let-2^15", letBomb(14));          // under: 32,768 nodes written out
        b.put("deep-64", "policy deep {\n  feature a;\n  " + "optional ".repeat(64) + "a;\n}\n"); // over: depth
        b.put("deep-63", "policy deep {\n  feature a;\n  " + "optional ".repeat(63) + "a;\n}\n"); // under
        b.put("deep-7000", "policy deep {\n  feature a;\n  " + "optional ".repeat(7000) + "a;\n}\n"); // far over
        b.put("one-of-150", oneOf("a", 150));    // under the clauses (about 45,000); unsatisfiable, explained
        b.put("one-of-160", oneOf("a", 160));    // over: more than 50,000 clauses
        b.put("one-of-320", oneOf("a", 320));    // far over (about 200,000 clauses)
        b.put("puzzle-one-of-150", oneOf("puzzle(difficulty: 0..24)", 150)); // the server's own feature
        b.put("params-one-of-150", paramsOneOf(150)); // parameter comparisons: under the clauses
        b.put("params-one-of-300", paramsOneOf(300)); // far over
        return b;
    }

    /** {@code let a0 = (f), a1 = (a0 and a0), ... in optional aN;}: 2^(N+1) nodes written out in N * 20 bytes. */
    static String letBomb(int doublings) {
        StringBuilder sb = new StringBuilder("policy bomb {\n  feature f;\n  let a0 = (f)");
        for (int i = 1; i <= doublings; i++) {
            sb.append(", a").append(i).append(" = (a").append(i - 1).append(" and a").append(i - 1).append(')');
        }
        return sb.append(" in optional a").append(doublings).append(";\n}\n").toString();
    }

    private static String oneOf(String feature, int k) {
        String name = feature.split("\\(")[0];
        return "policy alt {\n  feature " + feature + ";\n  exactly-one { " + (name + "; ").repeat(k) + "};\n}\n";
    }

    private static String paramsOneOf(int k) {
        StringBuilder sb = new StringBuilder("policy alt {\n  feature puzzle(difficulty: 0..24);\n  exactly-one { ");
        for (int i = 0; i < k; i++) sb.append("puzzle.difficulty >= ").append(i % 25).append("; ");
        return sb.append("};\n}\n").toString();
    }

    // ---------------------------------------------------------------------------------------------------------

    /**
     * {@code forged-priority}: calls claiming the top priority class in their headers, at {@code rate} a second in
     * all with {@code window} in flight, in three ways: with a made-up session id and class 15 in the header (no
     * session), in anonymous sessions (no authentication: the session's top class, 2, which the server grants but
     * has not verified), and in sessions of a signed identity whose ceiling is 0 ({@code id}, {@code secret});
     * {@code groups} picks some ({@code no-session,anonymous,low-identity}).
     */
    static final class ForgedPriority extends DosAttack {
        ForgedPriority(Map<String, String> args) {
            super(args);
        }

        @Override
        void start() {
            Set<String> groups = Set.of(args.getOrDefault("groups", "no-session,anonymous,low-identity").split(","));
            double rate = doubleArg("rate", 1000) / groups.size();
            int window = Math.max(1, intArg("window", 2000) / groups.size());
            if (groups.contains("no-session")) noSession(rate, window);
            if (groups.contains("anonymous")) anonymous(rate, window);
            if (groups.contains("low-identity")) lowIdentity(rate, window);
            event("ready");
        }

        private void noSession(double rate, int window) {
            ManagedChannel raw = channel("127.0.0.1");
            SecureRandom random = new SecureRandom();
            pump("no-session", window, rate, (n, done) -> {
                Metadata h = new Metadata();
                byte[] id = new byte[16];
                random.nextBytes(id);
                h.put(SESSION_HEADER, HexFormat.of().formatHex(id));
                h.put(CONFIG_HEADER, "0000000000000000");
                h.put(ADAPTLETS_HEADER, "priority");
                Priority.LEVEL.into(h, Priority.MAX_LEVEL);
                ClientCall<String, String> call = raw.newCall(EchoService.SAY,
                        CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS));
                ClientCalls.asyncUnaryCall(withHeaders(call, h), "forged", counting("no-session: ", done));
            });
        }

        private void anonymous(double rate, int window) {
            List<ClientSession> anonymous = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                anonymous.add(session(channel("127.0.0.1"), ANONYMOUS_PRIORITY_POLICY, List.of(Priority.client())));
            }
            pump("anonymous", window, rate, (n, done) -> ClientCalls.asyncUnaryCall(
                    anonymous.get((int) (n % 4)).channel().newCall(EchoService.SAY,
                            CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS)), "forged",
                    counting("anonymous: ", done)));
        }

        private void lowIdentity(double rate, int window) {
            byte[] secret = Base64.getDecoder().decode(args.get("secret"));
            List<ClientSession> low = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                low.add(session(channel("127.0.0.1"), SIGNED_PRIORITY_POLICY,
                        List.of(HmacAuth.client(args.get("id"), secret), Priority.client())));
            }
            pump("low-identity", window, rate, (n, done) -> ClientCalls.asyncUnaryCall(
                    low.get((int) (n % 4)).channel().newCall(EchoService.SAY,
                            CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS)), "forged",
                    counting("ceiling-0 identity: ", done)));
        }
    }

    /** A call that sends these headers (merged into whatever the caller starts it with). */
    private static <Q, R> ClientCall<Q, R> withHeaders(ClientCall<Q, R> call, Metadata extra) {
        return new ForwardingClientCall.SimpleForwardingClientCall<>(call) {
            @Override
            public void start(Listener<R> listener, Metadata headers) {
                headers.merge(extra);
                super.start(listener, headers);
            }
        };
    }

    // ---------------------------------------------------------------------------------------------------------

    /**
     * {@code replay-fill}: a signed identity ({@code id}, {@code secret}; its ceiling is 0) calls as fast as its
     * quota of calls in flight allows ({@code window}, default 256 over 4 sessions), each call with a fresh nonce
     * that the server must remember; its calls ask for class 2, above its ceiling, so each is refused right after
     * its nonce is recorded (the cheapest way to fill the replay cache). Emits {@code share-full} when the server
     * first says its share of the cache is full.
     */
    static final class ReplayFill extends DosAttack {
        private final AtomicBoolean full = new AtomicBoolean();

        ReplayFill(Map<String, String> args) {
            super(args);
        }

        @Override
        void start() {
            byte[] secret = Base64.getDecoder().decode(args.get("secret"));
            List<ClientSession> own = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                own.add(session(channel("127.0.0.1"), SIGNED_PRIORITY_POLICY,
                        List.of(HmacAuth.client(args.get("id"), secret), Priority.client())));
            }
            pump("replay-fill", intArg("window", 256), doubleArg("rate", 0), (n, done) ->
                    ClientCalls.asyncUnaryCall(own.get((int) (n % own.size())).channel().newCall(EchoService.SAY,
                            CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS)), "fill",
                    new StreamObserver<>() {
                        @Override
                        public void onNext(String value) {
                        }

                        @Override
                        public void onError(Throwable t) {
                            String o = outcome(t);
                            if (o.endsWith("/replay-entries-per-identity") && full.compareAndSet(false, true)) {
                                event("share-full");
                            }
                            count(o);
                            done.run();
                        }

                        @Override
                        public void onCompleted() {
                            count("ok");
                            done.run();
                        }
                    }));
            event("ready");
        }
    }

    // ---------------------------------------------------------------------------------------------------------

    /**
     * {@code oversized}: a signed meter ({@code id}, {@code secret}) of the live gateway sends batches of
     * {@code mib} MiB (default 3.9, under gRPC's 4 MiB message limit, 4x the log's entry limit) of sealed-looking
     * readings (1 KiB each, the most a sealed reading may be) on {@code streams} ingest streams, as fast as gRPC's
     * flow control takes them, never waiting for acknowledgements; at most {@code max-gib} GiB in all (the log is a
     * real file). The readings' clear timestamp is -1 (unreadable): such a reading is not judged against data time
     * at the gateway but passed to the log, to be refused inside the boundary, so it is never refused as late or
     * ahead (a live attacker gets the same by stamping readings with the current time).
     */
    static final class Oversized extends DosAttack {
        private final AtomicBoolean capped = new AtomicBoolean();

        Oversized(Map<String, String> args) {
            super(args);
        }

        @Override
        void start() {
            String id = args.get("id");
            byte[] secret = Base64.getDecoder().decode(args.get("secret"));
            double mib = doubleArg("mib", 3.9);
            long maxBytes = (long) (doubleArg("max-gib", 8) * (1L << 30));
            int per = IngestWire.SEALED_OVERHEAD + 1024;
            int header = IngestWire.HEADER_BYTES_MAX;
            int readings = (int) Math.min(ReadingBatch.MAX_READINGS, ((long) (mib * (1 << 20)) - header) / per);
            byte[] reading = new byte[1024];
            ThreadLocalRandom.current().nextBytes(reading);
            ByteBuffer r = ByteBuffer.wrap(reading);
            r.put(0, (byte) 1).put(1, (byte) 1).putLong(2, 900).putLong(10, 900).putLong(18, -1L);
            List<byte[]> sealed = new ArrayList<>();
            for (int i = 0; i < readings; i++) sealed.add(reading);
            // a batch is its header (meter, first sequence number) and this body: protobuf merges concatenated fields
            var opaque = io.gridlet.proto.ingest.v1.SealedReadings.newBuilder();
            for (byte[] one : sealed) opaque.addReading(com.google.protobuf.ByteString.copyFrom(one));
            byte[] body = io.gridlet.proto.ingest.v1.ReadingBatch.newBuilder().setSealed(opaque).build()
                    .toByteArray();
            event(String.format(Locale.ROOT, "batch %,d bytes, %,d sealed readings of 1 KiB", body.length,
                    readings));
            AtomicLong sentBytes = new AtomicLong();
            int streams = intArg("streams", 1);
            ClientSession s = session(channel("127.0.0.1"), LivePolicies.bundled(LivePolicies.CLIENT),
                    new ClientIdentity(id, secret).adaptlets());
            AtomicLong nextSeq = new AtomicLong(1);
            for (int i = 0; i < streams; i++) stream(s, body, id, readings, nextSeq, sentBytes, maxBytes);
            event("ready");
        }

        private void stream(ClientSession s, byte[] body, String id, int readings, AtomicLong nextSeq,
                            AtomicLong sentBytes, long maxBytes) {
            ClientCall<byte[], byte[]> call = s.channel().newCall(LiveProtocol.SEND, CallOptions.DEFAULT);
            ClientCalls.asyncBidiStreamingCall(call, new ClientResponseObserver<byte[], byte[]>() {
                private ClientCallStreamObserver<byte[]> out;

                @Override
                public void beforeStart(ClientCallStreamObserver<byte[]> requests) {
                    out = requests;
                    requests.setOnReadyHandler(this::push);
                }

                private void push() {
                    while (out.isReady() && !stop.get() && sentBytes.get() < maxBytes) {
                        byte[] header = io.gridlet.proto.ingest.v1.ReadingBatch.newBuilder().setMeter(id)
                                .setFirstSeq(nextSeq.getAndAdd(readings)).build().toByteArray();
                        byte[] batch = Arrays.copyOf(header, header.length + body.length);
                        System.arraycopy(body, 0, batch, header.length, body.length);
                        out.onNext(batch);
                        sentBytes.addAndGet(batch.length);
                        count("batches sent");
                    }
                    if (sentBytes.get() >= maxBytes && capped.compareAndSet(false, true)) count("stopped at max-gib");
                }

                @Override
                public void onNext(byte[] ack) {
                    count("batches acknowledged");
                }

                @Override
                public void onError(Throwable t) {
                    count("stream ended " + outcome(t));
                }

                @Override
                public void onCompleted() {
                    count("stream completed");
                }
            });
        }

    }

    // ---------------------------------------------------------------------------------------------------------

    /**
     * In a JVM of its own: {@code DosAttack <kind> key=value ...}. Prints {@code event ...} lines, attacks until
     * {@code stop} arrives on stdin (or stdin closes), then prints {@code count <n> <outcome>} lines and
     * {@code done}.
     */
    public static void main(String[] argv) throws Exception {
        Map<String, String> args = new LinkedHashMap<>();
        for (int i = 1; i < argv.length; i++) {
            int eq = argv[i].indexOf('=');
            args.put(argv[i].substring(0, eq), argv[i].substring(eq + 1));
        }
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        DosAttack attack = of(argv[0], args);
        attack.onEvent(e -> {
            synchronized (out) {
                out.println("event " + e);
            }
        });
        try {
            attack.start();
        } catch (Exception e) {
            synchronized (out) {
                out.println("event failed " + e);
            }
            throw e;
        }
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null && !line.equals("stop"); ) {
            if (line.equals("counts")) { // the counts so far, for a measurement window
                Map<String, Long> now = attack.counts();
                synchronized (out) {
                    now.forEach((k, v) -> out.println("count " + v + " " + k));
                    out.println("counted");
                }
            }
        }
        Map<String, Long> counts = attack.stop();
        synchronized (out) {
            counts.forEach((k, v) -> out.println("count " + v + " " + k));
            out.println("done");
        }
        System.exit(0);
    }
}
