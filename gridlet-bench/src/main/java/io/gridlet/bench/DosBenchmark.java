package io.gridlet.bench;

import io.gridlet.adaptlets.Adaptlet;
import io.gridlet.adaptlets.AdaptletServer;
import io.gridlet.adaptlets.ClientAdvice;
import io.gridlet.adaptlets.ClientSession;
import io.gridlet.adaptlets.ServerAdvice;
import io.gridlet.adaptlets.builtin.ClientPuzzle;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Denial of service on loopback: legitimate clients call a server whose capacity is fixed (each call holds one of
 * its workers for {@code --service-ms}, as a call into a slow downstream would), while attacker clients flood it
 * with calls at {@code --attack-factor} times that capacity, never solving a puzzle. Attackers negotiate sessions
 * like anyone (that is cheap); their calls are bounded in number in flight and in time. Phases, each
 * {@code --seconds} long on a fresh server: no attack (the baseline), attack with the puzzle off, attack with the
 * puzzle on, attack with the policy turning the puzzle on when calls queue up or arrive at more than twice the
 * capacity, and no attack with the puzzle on (its
 * cost to honest clients). Reports legitimate goodput (successful calls per second) and latency, and what the
 * attackers got. Run: {@code ./bench dos [--seconds 10] [--service-ms 20] [--workers 2] [--legit 4]
 * [--attack-factor 10] [--difficulty 10] [--in-flight 2000]}.
 */
public final class DosBenchmark {
    private static final String CLIENT_POLICY = """
            policy client {
              feature puzzle(difficulty: 0..24);
              puzzle requires puzzle.difficulty <= 16;
              prefer low puzzle.difficulty;
            }
            """;

    private final int seconds;
    private final int serviceMs;
    private final int workers;
    private final int legit;
    private final int attackFactor;
    private final int difficulty;
    private final int inFlight;

    private DosBenchmark(Map<String, String> a) {
        seconds = Integer.parseInt(a.getOrDefault("seconds", "10"));
        serviceMs = Integer.parseInt(a.getOrDefault("service-ms", "20"));
        workers = Integer.parseInt(a.getOrDefault("workers", "2"));
        legit = Integer.parseInt(a.getOrDefault("legit", "4"));
        attackFactor = Integer.parseInt(a.getOrDefault("attack-factor", "10"));
        difficulty = Integer.parseInt(a.getOrDefault("difficulty", "10"));
        inFlight = Integer.parseInt(a.getOrDefault("in-flight", "2000"));
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) a.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        if (args.length % 2 != 0) {
            System.err.println("usage: ./bench dos [--seconds 10] [--service-ms 20] [--workers 2] [--legit 4] "
                    + "[--attack-factor 10] [--difficulty 10] [--in-flight 2000]");
            System.exit(2);
        }
        new DosBenchmark(a).run();
    }

    private record Result(String phase, double goodput, long p50us, long p99us, long attackSent, long attackServed,
                          long attackRefused, Map<String, Long> outcomes) {
    }

    private void run() throws Exception {
        int capacity = workers * 1000 / serviceMs;
        System.out.printf("capacity %d calls/s (%d workers x %d ms), attack %d calls/s (x%d) with at most %d in "
                        + "flight, %d legitimate clients, puzzle difficulty %d, %d s per phase%n", capacity, workers,
                serviceMs, capacity * attackFactor, attackFactor, inFlight, legit, difficulty, seconds);
        String off = "not puzzle;";
        String on = "puzzle and puzzle.difficulty >= " + difficulty + ";";
        // on when calls queue up (the flood holds the workers) or arrive at more than twice the capacity (the flood
        // is held off by the puzzle: the queue is short then, the rate is not), so it does not flap
        String adaptive = "let queued = queueLength(), rate = callRate() in if queued > " + (4 * workers)
                + " or rate > " + (2 * capacity) + " then puzzle and puzzle.difficulty >= " + difficulty + " else not puzzle;";
        phase("warm-up (not reported)", on, 0);
        List<Result> results = new ArrayList<>();
        results.add(phase("no attack, puzzle off", off, 0));
        results.add(phase("attack, puzzle off", off, capacity * attackFactor));
        results.add(phase("attack, puzzle on", on, capacity * attackFactor));
        results.add(phase("attack, puzzle by load", adaptive, capacity * attackFactor));
        results.add(phase("no attack, puzzle on", on, 0));
        double base = results.get(0).goodput();
        System.out.println();
        System.out.printf("%-24s %12s %9s %9s %9s %12s %12s %12s%n", "phase", "goodput/s", "of base", "p50 ms",
                "p99 ms", "attack sent", "attack ok", "attack no");
        for (Result r : results) {
            System.out.printf("%-24s %12.0f %8.0f%% %9.2f %9.2f %12d %12d %12d%n", r.phase(), r.goodput(),
                    100 * r.goodput() / base, r.p50us() / 1000.0, r.p99us() / 1000.0, r.attackSent(),
                    r.attackServed(), r.attackRefused());
        }
        System.out.println();
        for (Result r : results) System.out.println(r.phase() + ": " + r.outcomes());
    }

    private Result phase(String name, String rule, int attackRate) throws Exception {
        String policy = "policy gateway {\n  feature puzzle(difficulty: 0..24);\n  " + rule + "\n}\n";
        System.out.print(name + " ... ");
        System.out.flush();
        List<ManagedChannel> channels = new ArrayList<>();
        List<ClientSession> sessions = new ArrayList<>();
        try (AdaptletServer server = AdaptletServer.builder(policy)
                .workers(workers)
                .refreshEvery(Duration.ofMillis(250))
                .adaptlet(ClientPuzzle.server(new SecureRandom().generateSeed(32)))
                .service(EchoService.definition(s -> {
                    try {
                        Thread.sleep(serviceMs);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return s;
                }))
                .start()) {
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong attackSent = new AtomicLong();
            AtomicLong attackServed = new AtomicLong();
            AtomicLong attackRefused = new AtomicLong();
            Thread attacker = null;
            if (attackRate > 0) {
                List<ClientSession> attackSessions = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    ManagedChannel c = channel(server.port());
                    channels.add(c);
                    ClientSession s = ClientSession.open(c, CLIENT_POLICY, List.of(new NoSolver()));
                    sessions.add(s);
                    attackSessions.add(s);
                }
                Semaphore window = new Semaphore(inFlight);
                attacker = new Thread(() -> {
                    long start = System.nanoTime();
                    long sent = 0;
                    while (!stop.get()) {
                        long due = start + (long) (sent * 1e9 / attackRate);
                        long wait = due - System.nanoTime();
                        if (wait > 0) {
                            LockSupport.parkNanos(wait);
                            continue;
                        }
                        if (!window.tryAcquire()) { // the bound on calls in flight
                            LockSupport.parkNanos(100_000);
                            continue;
                        }
                        ClientSession s = attackSessions.get((int) (sent % attackSessions.size()));
                        sent++;
                        attackSent.incrementAndGet();
                        ClientCalls.asyncUnaryCall(s.channel().newCall(EchoService.SAY,
                                CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS)), "flood",
                                new StreamObserver<>() {
                                    @Override
                                    public void onNext(String value) {
                                    }

                                    @Override
                                    public void onError(Throwable t) {
                                        attackRefused.incrementAndGet();
                                        window.release();
                                    }

                                    @Override
                                    public void onCompleted() {
                                        attackServed.incrementAndGet();
                                        window.release();
                                    }
                                });
                    }
                }, "attacker");
                attacker.setDaemon(true);
                attacker.start();
                Thread.sleep(1000); // the flood is on before the measurement starts
            }
            List<long[]> latencies = new ArrayList<>();
            AtomicLong good = new AtomicLong();
            List<Thread> clients = new ArrayList<>();
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            for (int i = 0; i < legit; i++) {
                ManagedChannel c = channel(server.port());
                channels.add(c);
                ClientSession s = ClientSession.open(c, CLIENT_POLICY, List.of(ClientPuzzle.client()));
                sessions.add(s);
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
                                good.incrementAndGet();
                                if (n < lat.length) lat[n++] = (System.nanoTime() - t0) / 1000;
                            }
                        } catch (StatusRuntimeException e) {
                            // a failed legitimate call is not goodput
                        }
                    }
                    latencies.set(idx, Arrays.copyOf(lat, n));
                }, "legit-" + i);
                clients.add(t);
            }
            long t0 = System.nanoTime();
            clients.forEach(Thread::start);
            for (Thread t : clients) t.join();
            double elapsed = (System.nanoTime() - t0) / 1e9;
            stop.set(true);
            if (attacker != null) attacker.join();
            long[] all = latencies.stream().flatMapToLong(Arrays::stream).sorted().toArray();
            long p50 = all.length == 0 ? 0 : all[all.length / 2];
            long p99 = all.length == 0 ? 0 : all[Math.min(all.length - 1, (int) (all.length * 0.99))];
            Result r = new Result(name, good.get() / Math.min(elapsed, seconds), p50, p99, attackSent.get(),
                    attackServed.get(), attackRefused.get(), server.outcomes().snapshot());
            System.out.printf("goodput %.0f/s%n", r.goodput());
            for (ClientSession s : sessions) s.close();
            for (ManagedChannel c : channels) c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            return r;
        }
    }

    private static ManagedChannel channel(int port) {
        return NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    }

    /** An attacker's puzzle half: it negotiates the puzzle like anyone and then never solves one. */
    private static final class NoSolver implements Adaptlet {
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
}
