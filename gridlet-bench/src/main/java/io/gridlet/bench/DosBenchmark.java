package io.gridlet.bench;

import io.gridlet.adaptlets.Adaptlet;
import io.gridlet.adaptlets.AdaptletServer;
import io.gridlet.adaptlets.ClientSession;
import io.gridlet.adaptlets.OverLimit;
import io.gridlet.adaptlets.builtin.ClientPuzzle;
import io.gridlet.adaptlets.builtin.HmacAuth;
import io.gridlet.adaptlets.builtin.Identities;
import io.gridlet.adaptlets.builtin.Priority;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.grpc.stub.ClientCalls;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;

/**
 * Denial of service on loopback: legitimate clients call a server whose capacity is fixed (each call holds one of
 * its workers for {@code --service-ms}, as a call into a slow downstream would) while attackers ({@link DosAttack},
 * in a JVM of their own by default) attack it. Each phase runs on a fresh server (same legitimate load: {@code
 * --legit} clients calling in a loop for {@code --seconds}), and reports legitimate goodput (successful calls per
 * second) against the no-attack baseline, latency, what the attackers got (by status and the limit or reason the
 * server named), the server's own counts, and where the CPU went (the server's JVM by thread group, the
 * attackers' JVM, the rest of the machine; {@code --profile} adds a sample of what the server's threads run).
 *
 * <p>Phases ({@code --phases a,b,...}; default all, in this order):
 * <ul>
 *   <li>{@code baseline}: no attack, puzzle off;</li>
 *   <li>{@code flood}, {@code flood-puzzle}, {@code flood-adaptive}: calls at {@code --attack-factor} times the
 *       capacity (at most {@code --in-flight}), never solving a puzzle, with the puzzle off, on, and on when calls
 *       queue up or arrive at more than twice the capacity; {@code puzzle-cost}: no attack, puzzle on;</li>
 *   <li>{@code open-flood}: Opens as fast as answered from {@code --peers} loopback addresses (127.0.0.2 on),
 *       {@code --open-window} in flight each, every offer a fresh small valid policy;</li>
 *   <li>{@code compile-bombs}: the same with policies built to make compiling costly, just within and over the
 *       compile budget's bounds ({@link DosAttack#bombs()}; {@code --bombs k1,k2} to pick), each probed alone
 *       first;</li>
 *   <li>{@code auth-baseline}: no attack, legitimate clients signed (auth.hmac) with a verified priority class 2;</li>
 *   <li>{@code forged-priority}: against those clients, calls claiming the top class without a session, in
 *       anonymous sessions, and in sessions of an identity whose ceiling is 0;</li>
 *   <li>{@code replay-fill}: an authenticated identity signs calls with fresh nonces as fast as its quota of calls
 *       in flight allows, filling its share of the replay cache (the measurement starts once it is full);</li>
 *   <li>{@code ingest}, {@code oversized}: the live gateway ({@link DosIngest}): meters stream at
 *       {@code --ingest-rate} readings/s, without and with an authenticated meter sending 3.9 MiB batches.</li>
 * </ul>
 * Only when named: {@code open-flood-signed}, {@code compile-bombs-signed}, the Open attacks against the signed
 * clients of {@code auth-baseline}, compared with {@code auth-baseline} (Opens run on a thread of their own; the
 * signed calls outrank anonymous ones).
 *
 * <p>Run: {@code ./bench dos [--phases all] [--seconds 10] [--service-ms 20] [--workers 2] [--legit 4]
 * [--attack-factor 10] [--difficulty 10] [--in-flight 2000] [--attackers process|thread] [--attacker-threads 1]
 * [--attacker-nice 0] [--peers 8] [--open-window 16] [--bombs all] [--forged no-session,anonymous,low-identity]
 * [--ingest-rate 100000] [--meters 10] [--oversized-mib 3.9] [--oversized-streams 1] [--max-gib 8] [--retries 2]
 * [--profile]}.
 *
 * <p>The machine may be shared (someone's test suite): each phase starts once the rest of the machine is quiet,
 * and a phase during which other work used more than {@link #SHARED} cores is measured again, up to
 * {@code --retries} times; a figure still shared is marked {@code !} in the report.
 */
public final class DosBenchmark {
    static final List<String> PHASES = List.of("baseline", "flood", "flood-puzzle", "flood-adaptive", "puzzle-cost",
            "open-flood", "compile-bombs", "auth-baseline", "forged-priority", "replay-fill", "ingest", "oversized");
    /** Phases run only when named: the Open attacks against signed clients with a verified priority class. */
    static final List<String> EXTRA = List.of("open-flood-signed", "compile-bombs-signed");
    private static final String SIGNED_SERVER_POLICY = """
            policy gateway {
              feature puzzle(difficulty: 0..24);
              feature auth.hmac;
              feature priority(level: 0..3);
              not puzzle;
              priority requires priority.level <= 2;
            }
            """;
    /** The attacker identity of the signed phases: a known caller whose priority ceiling is 0. */
    static final String MALLORY = "mallory";
    static final byte[] MALLORY_SECRET = "mallory-secret-0123456789".getBytes(StandardCharsets.UTF_8);

    final Map<String, String> a;
    final int seconds;
    private final int serviceMs;
    private final int workers;
    private final int legit;
    private final int attackFactor;
    private final int difficulty;
    private final int inFlight;
    final boolean inProcess;
    final int nice;
    final boolean profile;
    private final int retries;
    private final List<String> phases;
    private final NioEventLoopGroup legitLoop = new NioEventLoopGroup(2, new DefaultThreadFactory("legit-elg", true));
    private final Identities identities = new Identities();

    private DosBenchmark(Map<String, String> a) {
        this.a = a;
        seconds = Integer.parseInt(a.getOrDefault("seconds", "10"));
        serviceMs = Integer.parseInt(a.getOrDefault("service-ms", "20"));
        workers = Integer.parseInt(a.getOrDefault("workers", "2"));
        legit = Integer.parseInt(a.getOrDefault("legit", "4"));
        attackFactor = Integer.parseInt(a.getOrDefault("attack-factor", "10"));
        difficulty = Integer.parseInt(a.getOrDefault("difficulty", "10"));
        inFlight = Integer.parseInt(a.getOrDefault("in-flight", "2000"));
        String attackers = a.getOrDefault("attackers", "process");
        if (!attackers.equals("process") && !attackers.equals("thread")) {
            throw new IllegalArgumentException("--attackers process|thread, got " + attackers);
        }
        inProcess = attackers.equals("thread");
        nice = Integer.parseInt(a.getOrDefault("attacker-nice", "0"));
        profile = a.containsKey("profile");
        retries = Integer.parseInt(a.getOrDefault("retries", "2"));
        String list = a.getOrDefault("phases", "all");
        phases = list.equals("all") ? PHASES : List.of(list.split(","));
        for (String p : phases) {
            if (!PHASES.contains(p) && !EXTRA.contains(p)) {
                throw new IllegalArgumentException("no phase " + p + "; phases: " + PHASES + ", and " + EXTRA);
            }
        }
        for (int i = 0; i < legit; i++) identities.add("legit-" + i, secret("legit-" + i), 2, "user");
        identities.add(MALLORY, MALLORY_SECRET, 0, "user");
    }

    static byte[] secret(String id) {
        return ("bench-secret-of-" + id + "-0123456789").getBytes(StandardCharsets.UTF_8);
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--")) usage("unexpected " + args[i]);
            String key = args[i].substring(2);
            if (key.equals("profile")) a.put(key, "true");
            else if (i + 1 < args.length) a.put(key, args[++i]);
            else usage("--" + key + " needs a value");
        }
        try {
            new DosBenchmark(a).run();
        } catch (IllegalArgumentException e) {
            usage(e.getMessage());
        }
        System.exit(0);
    }

    private static void usage(String why) {
        System.err.println("dos: " + why);
        System.err.println("usage: ./bench dos [--phases all|" + String.join(",", PHASES) + "] [--seconds 10] "
                + "[--service-ms 20] [--workers 2] [--legit 4] [--attack-factor 10] [--difficulty 10] "
                + "[--in-flight 2000] [--attackers process|thread] [--attacker-threads 1] [--attacker-nice 0] "
                + "[--peers 8] [--open-window 16] [--bombs all|k1,k2] [--forged no-session,anonymous,low-identity] "
                + "[--ingest-rate 100000] [--meters 10] [--oversized-mib 3.9] [--oversized-streams 1] [--max-gib 8] "
                + "[--retries 2] [--profile]; extra phases: " + String.join(",", EXTRA));
        System.exit(2);
    }

    /** One phase's figures. {@code base}: the phase its goodput is compared with. */
    record Result(String id, String title, String base, double goodput, String unit, long p50us, long p99us,
                  Map<String, Long> attack, Map<String, Long> server, Map<String, Long> legitFailures,
                  List<String> notes, double otherLoad) {
    }

    /** More of the machine than this, in cores, used by other work during a phase marks its figures as shared. */
    static final double SHARED = 0.25;

    private void run() throws Exception {
        int capacity = workers * 1000 / serviceMs;
        System.out.printf(Locale.ROOT, "machine: %d cores, Java %s; capacity %d calls/s (%d workers x %d ms), %d "
                        + "legitimate clients, %d s per phase, attackers in %s%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), capacity, workers,
                serviceMs, legit, seconds, inProcess ? "this JVM (threads)" : "a JVM of their own");
        System.out.printf(Locale.ROOT, "call floods: %d calls/s (x%d) with at most %d in flight; puzzle difficulty "
                + "%d; phases: %s%n", capacity * attackFactor, attackFactor, inFlight, difficulty, phases);
        List<Result> results = new ArrayList<>();
        if (phases.stream().anyMatch(p -> !p.equals("ingest") && !p.equals("oversized"))) {
            echo("warm-up", "warm-up (not reported)", null, "puzzle and puzzle.difficulty >= " + difficulty + ";",
                    false, null, Map.of(), null);
        }
        DosIngest ingest = null;
        for (String p : phases) {
            if (ingest == null && (p.equals("ingest") || p.equals("oversized"))) ingest = new DosIngest(this);
            Result r = null;
            List<String> tries = new ArrayList<>();
            for (int attempt = 0; attempt <= retries; attempt++) {
                String waited = CpuWindow.awaitQuiet(0.15, 30 * 60_000L);
                if (!waited.isEmpty()) tries.add(waited);
                if (r != null) {
                    tries.add(String.format(Locale.ROOT, "measured again: other work used %.2f cores of the machine "
                            + "during the previous try (goodput %.0f)", r.otherLoad(), r.goodput()));
                }
                r = phase(p, ingest);
                if (r.otherLoad() <= SHARED) break;
            }
            r.notes().addAll(0, tries);
            results.add(r);
        }
        report(results);
    }

    private Result phase(String p, DosIngest ingest) throws Exception {
        int capacity = workers * 1000 / serviceMs;
        String off = "not puzzle;";
        String on = "puzzle and puzzle.difficulty >= " + difficulty + ";";
        // on when calls queue up (the flood holds the workers) or arrive at more than twice the capacity (the flood
        // is held off by the puzzle: the queue is short then, the rate is not), so it does not flap
        String adaptive = "let queued = queueLength(), rate = callRate() in if queued > " + (4 * workers)
                + " or rate > " + (2 * capacity) + " then puzzle and puzzle.difficulty >= " + difficulty
                + " else not puzzle;";
        Map<String, String> flood = Map.of("rate", Integer.toString(capacity * attackFactor),
                "window", Integer.toString(inFlight));
        Map<String, String> opens = Map.of("peers", a.getOrDefault("peers", "8"),
                "window", a.getOrDefault("open-window", "16"), "bombs", a.getOrDefault("bombs", "all"));
        Map<String, String> mallory = Map.of("id", MALLORY,
                "secret", Base64.getEncoder().encodeToString(MALLORY_SECRET),
                "rate", Integer.toString(capacity * attackFactor), "window", Integer.toString(inFlight),
                "groups", a.getOrDefault("forged", "no-session,anonymous,low-identity"));
        Map<String, String> fill = Map.of("id", MALLORY, "secret", Base64.getEncoder().encodeToString(MALLORY_SECRET));
        return switch (p) {
            case "baseline" -> echo(p, "no attack, puzzle off", null, off, false, null, Map.of(), null);
            case "flood" -> echo(p, "call flood, puzzle off", "baseline", off, false, "flood", flood, null);
            case "flood-puzzle" -> echo(p, "call flood, puzzle on", "baseline", on, false, "flood", flood, null);
            case "flood-adaptive" -> echo(p, "call flood, puzzle by load", "baseline", adaptive, false, "flood",
                    flood, null);
            case "puzzle-cost" -> echo(p, "no attack, puzzle on", "baseline", on, false, null, Map.of(), null);
            case "open-flood" -> echo(p, "Open flood, distinct policies", "baseline", off, false, "open-flood",
                    opens, null);
            case "compile-bombs" -> echo(p, "Open flood, compile bombs", "baseline", off, false,
                    "compile-bombs", opens, null);
            case "auth-baseline" -> echo(p, "no attack, signed, priority 2", "baseline", null, true, null,
                    Map.of(), null);
            case "open-flood-signed" -> echo(p, "Open flood vs signed, priority 2", "auth-baseline", null, true,
                    "open-flood", opens, null);
            case "compile-bombs-signed" -> echo(p, "compile bombs vs signed, prio 2", "auth-baseline", null, true,
                    "compile-bombs", opens, null);
            case "forged-priority" -> echo(p, "forged priority", "baseline", null, true, "forged-priority",
                    mallory, null);
            case "replay-fill" -> echo(p, "replay-cache filling", "baseline", null, true, "replay-fill", fill,
                    "share-full");
            case "ingest", "oversized" -> ingest.phase(p);
            default -> throw new IllegalStateException(p);
        };
    }

    private void report(List<Result> results) {
        Map<String, Result> byId = new LinkedHashMap<>();
        for (Result r : results) byId.put(r.id(), r);
        System.out.println();
        System.out.printf(Locale.ROOT, "%-16s %-31s %13s %8s %8s %8s  %s%n", "phase", "", "legit goodput", "of base",
                "p50 ms", "p99 ms", "attackers' outcomes during the measurement (most frequent)");
        for (Result r : results) {
            Result base = r.base() == null ? null : byId.get(r.base());
            String of = base == null || base.goodput() == 0 ? (r.base() == null ? "(base)" : "-")
                    : String.format(Locale.ROOT, "%.0f %%", 100 * r.goodput() / base.goodput());
            System.out.printf(Locale.ROOT, "%-16s %-31s %8.0f %-4s %8s %8s %8s  %s%n", r.id(), r.title(), r.goodput(),
                    r.unit() + (r.otherLoad() > SHARED ? "!" : ""), of, ms(r.p50us()), ms(r.p99us()),
                    top(r.attack(), 4));
        }
        if (results.stream().anyMatch(r -> r.otherLoad() > SHARED)) {
            System.out.printf(Locale.ROOT, "!: other work used more than %.2f cores of the machine during the phase "
                    + "(see its cpu line): its figures are not the benchmark's alone%n", SHARED);
        }
        System.out.println();
        for (Result r : results) {
            System.out.println(r.id() + " (" + r.title() + "):");
            if (!r.attack().isEmpty()) System.out.println("  attackers during the measurement: " + all(r.attack()));
            System.out.println("  server in all: " + r.server());
            if (!r.legitFailures().isEmpty()) System.out.println("  legit failures: " + all(r.legitFailures()));
            for (String n : r.notes()) System.out.println("  " + n);
        }
    }

    private static String ms(long us) {
        return us < 0 ? "-" : String.format(Locale.ROOT, "%.1f", us / 1000.0);
    }

    /** The {@code n} largest counts, as {@code count outcome}, and how many more outcomes there were. */
    static String top(Map<String, Long> counts, int n) {
        if (counts.isEmpty()) return "-";
        List<Map.Entry<String, Long>> sorted = new ArrayList<>(counts.entrySet());
        sorted.sort((x, y) -> Long.compare(y.getValue(), x.getValue()));
        String shown = sorted.stream().limit(n).map(e -> String.format(Locale.ROOT, "%,d %s", e.getValue(), e.getKey()))
                .collect(Collectors.joining("; "));
        return sorted.size() > n ? shown + "; +" + (sorted.size() - n) + " more" : shown;
    }

    static String all(Map<String, Long> counts) {
        return top(counts, Integer.MAX_VALUE);
    }

    // ---------------------------------------------------------------------------------------------------------

    /**
     * One phase on a fresh server: the attack (if any) starts first and has a second's lead (or, with
     * {@code waitFor}, until it reports that event); then the legitimate clients open their sessions and call for
     * {@code --seconds}.
     *
     * @param rule   the server policy's rule about the puzzle (puzzle-only policy), or null with {@code signed}
     * @param signed the signed server policy (auth.hmac, priority) and signed legitimate clients with class 2
     */
    private Result echo(String id, String title, String base, String rule, boolean signed, String attackKind,
                        Map<String, String> attackArgs, String waitFor) throws Exception {
        String policy = signed ? SIGNED_SERVER_POLICY
                : "policy gateway {\n  feature puzzle(difficulty: 0..24);\n  " + rule + "\n}\n";
        System.out.print(id + " ... ");
        System.out.flush();
        List<ManagedChannel> channels = new ArrayList<>();
        List<ClientSession> sessions = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        AdaptletServer.Builder builder = AdaptletServer.builder(policy)
                .workers(workers)
                .refreshEvery(Duration.ofMillis(250))
                .clientPolicy(signed ? DosAttack.SIGNED_PRIORITY_POLICY : DosAttack.PUZZLE_CLIENT_POLICY)
                .adaptlet(ClientPuzzle.server(new SecureRandom().generateSeed(32)))
                .service(EchoService.definition(s -> {
                    try {
                        Thread.sleep(serviceMs);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return s;
                }));
        if (signed) builder.adaptlet(HmacAuth.server(identities), Priority.server());
        try (AdaptletServer server = builder.start()) {
            Attacker attacker = null;
            try {
                if (attackKind != null) {
                    Map<String, String> args = new LinkedHashMap<>(attackArgs);
                    args.put("port", Integer.toString(server.port()));
                    args.put("threads", a.getOrDefault("attacker-threads", "1"));
                    attacker = Attacker.start(attackKind, args, inProcess, nice);
                    if (attacker.await("ready", 120_000) == null) throw new IllegalStateException("attack not ready");
                    long t0 = System.nanoTime();
                    if (waitFor != null) {
                        String e = attacker.await(waitFor, 20_000);
                        notes.add(e == null ? "the attack did not report " + waitFor + " within 20 s"
                                : String.format(Locale.ROOT, "attack reported %s after %.1f s; measured from then",
                                waitFor, (System.nanoTime() - t0) / 1e9));
                    }
                    Thread.sleep(1000); // the attack is on before the measurement starts
                }
                Map<String, Long> legitFailures = new ConcurrentHashMap<>();
                AtomicInteger openRetries = new AtomicInteger();
                long opening = System.nanoTime();
                List<ClientSession> legitSessions = new ArrayList<>();
                for (int i = 0; i < legit; i++) {
                    ManagedChannel c = legitChannel(server.port());
                    channels.add(c);
                    List<Adaptlet> adaptlets = signed
                            ? List.of(ClientPuzzle.client(), HmacAuth.client("legit-" + i, secret("legit-" + i)),
                            Priority.client())
                            : List.of(ClientPuzzle.client());
                    ClientSession s = openWithRetries(c, signed ? DosAttack.SIGNED_PRIORITY_POLICY
                            : DosAttack.PUZZLE_CLIENT_POLICY, adaptlets, openRetries, legitFailures);
                    if (s != null) {
                        sessions.add(s);
                        legitSessions.add(s);
                    }
                }
                double openSeconds = (System.nanoTime() - opening) / 1e9;
                if (attackKind != null || openRetries.get() > 0 || legitSessions.size() < legit) {
                    notes.add(String.format(Locale.ROOT, "legit sessions: %d of %d opened in %.2f s, %d retries "
                            + "after a refusal", legitSessions.size(), legit, openSeconds, openRetries.get()));
                }
                long firstCall = prime(legitSessions, legitFailures);
                if (attackKind != null) {
                    notes.add(String.format(Locale.ROOT, "legit first calls (before the measurement; a session's "
                            + "verified state starts with its first call): the slowest took %.2f s", firstCall / 1e9));
                }
                Map<String, Long> attackBefore = attacker == null ? Map.of() : attacker.countsNow();
                Map<String, Long> serverBefore = server.outcomes().snapshot();
                CpuWindow cpu = new CpuWindow(attacker, profile);
                LegitRun run = callInLoop(legitSessions, legitFailures);
                cpu.end();
                Map<String, Long> serverDuring = Attacker.delta(serverBefore, server.outcomes().snapshot());
                Map<String, Long> attack = attacker == null ? Map.of()
                        : Attacker.delta(attackBefore, attacker.countsNow());
                Map<String, Long> attackTotal = attacker == null ? Map.of() : attacker.stop();
                if (attacker != null) {
                    notes.add("attackers in all (with the lead and the legit opens): " + all(attackTotal));
                }
                notes.add("server during the measurement: " + serverDuring);
                if (attacker != null) {
                    for (String e : attacker.events()) {
                        if (!e.equals("ready") && !e.equals(waitFor)) notes.add("attack: " + e);
                    }
                }
                notes.addAll(cpu.describe());
                Result r = new Result(id, title, base, run.goodput(), "/s", run.p50us(), run.p99us(), attack,
                        server.outcomes().snapshot(), new TreeMap<>(legitFailures), notes, cpu.rest());
                System.out.printf(Locale.ROOT, "goodput %.0f/s%n", r.goodput());
                return r;
            } finally {
                if (attacker != null) attacker.close();
                for (ClientSession s : sessions) s.close();
                for (ManagedChannel c : channels) c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    private ManagedChannel legitChannel(int port) {
        return NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext()
                .eventLoopGroup(legitLoop).channelType(NioSocketChannel.class).build();
    }

    /**
     * Opens a legitimate session; a refusal for a limit (or a busy server's) is retried after the pushback the
     * server asks, for up to 30 s, as a client with a retry policy would. Null if it never opened.
     */
    static ClientSession openWithRetries(ManagedChannel c, String policy, List<? extends Adaptlet> adaptlets,
                                         AtomicInteger retries, Map<String, Long> failures)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            long pushback = 100;
            try {
                return ClientSession.open(c, policy, adaptlets);
            } catch (StatusRuntimeException e) {
                failures.merge("open " + DosAttack.outcome(e), 1L, Long::sum);
                Metadata t = e.getTrailers();
                String p = t == null ? null : t.get(OverLimit.RETRY_PUSHBACK_MS);
                if (p != null) pushback = Long.parseLong(p);
            } catch (RuntimeException e) { // a refusal in the negotiation (a busy server's LIMIT, say)
                String m = String.valueOf(e.getMessage());
                failures.merge("open refused: " + (m.length() > 60 ? m.substring(0, 60) + "..." : m), 1L, Long::sum);
            }
            if (System.nanoTime() > deadline) return null;
            retries.incrementAndGet();
            Thread.sleep(Math.min(1000, Math.max(10, pushback)));
        }
    }

    private record LegitRun(double goodput, long p50us, long p99us) {
    }

    /**
     * One call per legitimate session, all at once, before the measurement: the first call is the one that
     * establishes what the session's later calls are ranked by (a verified priority class), and a challenge
     * answered. Returns the slowest one's time in nanoseconds.
     */
    private static long prime(List<ClientSession> clients, Map<String, Long> failures) throws InterruptedException {
        AtomicLong slowest = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        for (ClientSession s : clients) {
            Thread t = new Thread(() -> {
                long t0 = System.nanoTime();
                for (int attempt = 0; attempt < 5; attempt++) {
                    try {
                        ClientCalls.blockingUnaryCall(s.channel(), EchoService.SAY,
                                CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), "first");
                        break;
                    } catch (StatusRuntimeException e) {
                        failures.merge("first call " + DosAttack.outcome(e), 1L, Long::sum);
                    }
                }
                slowest.accumulateAndGet(System.nanoTime() - t0, Math::max);
            }, "legit-first");
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) t.join();
        return slowest.get();
    }

    /** The legitimate clients: each calls in a loop, one call at a time, for {@code --seconds}. */
    private LegitRun callInLoop(List<ClientSession> clients, Map<String, Long> failures) throws InterruptedException {
        List<long[]> latencies = new ArrayList<>();
        LongAdder good = new LongAdder();
        List<Thread> threads = new ArrayList<>();
        long start = System.nanoTime();
        long end = start + seconds * 1_000_000_000L;
        for (int i = 0; i < clients.size(); i++) {
            ClientSession s = clients.get(i);
            long[] lat = new long[2_000_000];
            latencies.add(lat);
            int idx = i;
            Thread t = new Thread(() -> {
                int n = 0;
                while (System.nanoTime() < end) {
                    long t0 = System.nanoTime();
                    try {
                        ClientCalls.blockingUnaryCall(s.channel(), EchoService.SAY,
                                CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS), "reading");
                        if (System.nanoTime() <= end) {
                            good.increment();
                            if (n < lat.length) lat[n++] = (System.nanoTime() - t0) / 1000;
                        }
                    } catch (StatusRuntimeException e) { // a failed legitimate call is not goodput
                        failures.merge(DosAttack.outcome(e), 1L, Long::sum);
                    }
                }
                latencies.set(idx, Arrays.copyOf(lat, n));
            }, "legit-" + i);
            threads.add(t);
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) t.join();
        double elapsed = (System.nanoTime() - start) / 1e9;
        long[] all = latencies.stream().flatMapToLong(Arrays::stream).sorted().toArray();
        long p50 = all.length == 0 ? 0 : all[all.length / 2];
        long p99 = all.length == 0 ? 0 : all[Math.min(all.length - 1, (int) (all.length * 0.99))];
        return new LegitRun(good.sum() / Math.min(elapsed, seconds), p50, p99);
    }
}
