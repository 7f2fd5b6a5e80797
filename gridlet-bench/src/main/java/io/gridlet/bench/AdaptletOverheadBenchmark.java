package io.gridlet.bench;

import com.sun.management.OperatingSystemMXBean;
import io.gridlet.adaptlets.Adaptlet;
import io.gridlet.adaptlets.AdaptletServer;
import io.gridlet.adaptlets.ClientSession;
import io.gridlet.adaptlets.ServingExecutor;
import io.gridlet.adaptlets.builtin.Authorization;
import io.gridlet.adaptlets.builtin.ClientPuzzle;
import io.gridlet.adaptlets.builtin.HmacAuth;
import io.gridlet.adaptlets.builtin.Identities;
import io.gridlet.adaptlets.builtin.Priority;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What each adaptlet adds to a unary call (one client thread), as a latency distribution (SampleTime: read the
 * p0.50 rows), on two transports: Netty on 127.0.0.1, and gRPC's in-process transport, where the call itself costs
 * a few microseconds, so that what the weaving adds stands out of the noise of the network stack. {@code grpc} is plain gRPC without the weaving ({@code grpc+serving}: on the adaptlet server's
 * {@link io.gridlet.adaptlets.ServingExecutor}); {@code session}
 * is the session layer with no adaptlet (the headers, the session lookup, the configuration check); the others
 * turn on one adaptlet ({@code authz} needs {@code auth.hmac}: subtract it), {@code all} all four. The puzzle runs
 * at difficulty 1 (about two hashes to solve), so what it measures is its machinery, not its work: checking the
 * solution, the replay cache, issuing the next challenge. Run: {@code ./bench jmh AdaptletOverheadBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
public class AdaptletOverheadBenchmark {
    @Param({"grpc", "grpc+serving", "session", "puzzle", "auth.hmac", "authz", "priority", "all"})
    public String adaptlets;

    /** netty: TCP on 127.0.0.1; inprocess: gRPC's in-process transport, the weaving's cost without a network. */
    @Param({"inprocess", "netty"})
    public String transport;

    private static final byte[] SECRET = "bench-meter-secret-0123456789".getBytes();
    private static final Map<String, String> POLICIES = Map.of(
            "session", "",
            "puzzle", "puzzle and puzzle.difficulty == 1;",
            "auth.hmac", "auth.hmac;",
            "authz", "auth.hmac and authz;",
            "priority", "priority and priority.level == 1;",
            "all", "puzzle and puzzle.difficulty == 1; auth.hmac and authz; priority and priority.level == 1;");

    private Server plain;
    private ServingExecutor serving;
    private AdaptletServer server;
    private ManagedChannel channel;
    private ClientSession session;
    private Channel calls;

    static String policy(String body) {
        return "policy bench {\n feature puzzle(difficulty: 0..8);\n feature auth.hmac;\n feature authz;\n"
                + " feature priority(level: 0..3);\n " + body + "\n}\n";
    }

    @Setup(Level.Trial)
    public void start() throws Exception {
        boolean inProcess = transport.equals("inprocess");
        String name = "bench-" + System.nanoTime();
        if (adaptlets.startsWith("grpc")) {
            ServerBuilder<?> b = inProcess ? InProcessServerBuilder.forName(name)
                    : NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0));
            if (adaptlets.equals("grpc+serving")) { // plain gRPC on the adaptlet server's executor
                serving = new ServingExecutor(2);
                b.executor(serving);
            }
            plain = b.addService(EchoService.definition(s -> s)).build().start();
            channel = inProcess ? InProcessChannelBuilder.forName(name).build()
                    : NettyChannelBuilder.forAddress("127.0.0.1", plain.getPort()).usePlaintext().build();
            calls = channel;
            return;
        }
        String policy = policy(POLICIES.get(adaptlets));
        AdaptletServer.Builder builder = AdaptletServer.builder(policy);
        if (inProcess) builder.transport(InProcessServerBuilder.forName(name));
        server = builder
                .adaptlet(ClientPuzzle.server("0123456789abcdef0123456789abcdef".getBytes()),
                        HmacAuth.server(new Identities().add("meter-1", SECRET, 3, "meter")),
                        Authorization.server(Authorization.Rule.of("bench.Echo/*", "meter")), Priority.server())
                .service(EchoService.definition(s -> s))
                .start();
        channel = inProcess ? InProcessChannelBuilder.forName(name).build()
                : NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
        List<Adaptlet> client = List.of(ClientPuzzle.client(), HmacAuth.client("meter-1", SECRET),
                Authorization.client(), Priority.client());
        session = ClientSession.open(channel, policy, client);
        calls = session.channel();
    }

    /**
     * The CPU-time view, steadier than latency on a small machine: all configurations running at once on the
     * in-process transport, rounds of calls from one thread taking turns between them, and the process's CPU time
     * (client, transport and server threads together) and wall time per call; the median round is reported. Run:
     * {@code ./bench adaptlet-cost [--calls 50000] [--rounds 7] [--only CONFIG]}.
     */
    public static void main(String[] args) throws Exception {
        int calls = 50_000;
        int rounds = 7;
        String only = null;
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (args[i].equals("--calls")) calls = Integer.parseInt(args[i + 1]);
            else if (args[i].equals("--rounds")) rounds = Integer.parseInt(args[i + 1]);
            else if (args[i].equals("--only")) only = args[i + 1];
            else throw new IllegalArgumentException("unknown option " + args[i]);
        }
        OperatingSystemMXBean os = (OperatingSystemMXBean)
                ManagementFactory.getOperatingSystemMXBean();
        String[] configs = {"grpc", "grpc+serving", "session", "puzzle", "auth.hmac", "authz", "priority", "all"};
        double[] cpu = new double[configs.length];
        double[] wall = new double[configs.length];
        List<AdaptletOverheadBenchmark> running = new ArrayList<>();
        try {
            for (String config : configs) {
                if (only != null && !only.equals(config)) {
                    running.add(null);
                    continue;
                }
                AdaptletOverheadBenchmark b = new AdaptletOverheadBenchmark();
                b.adaptlets = config;
                b.transport = "inprocess";
                b.start();
                running.add(b);
                for (int i = 0; i < calls; i++) b.call(); // warm-up
            }
            // rounds interleave the configurations, so that drift (JIT, GC, the machine) falls on all alike
            double[][] cpuRounds = new double[configs.length][rounds];
            double[][] wallRounds = new double[configs.length][rounds];
            for (int r = 0; r < rounds; r++) {
                for (int c = 0; c < configs.length; c++) {
                    if (only != null && !only.equals(configs[c])) continue;
                    AdaptletOverheadBenchmark b = running.get(c);
                    long c0 = os.getProcessCpuTime();
                    long w0 = System.nanoTime();
                    for (int i = 0; i < calls; i++) b.call();
                    wallRounds[c][r] = (System.nanoTime() - w0) / 1000.0 / calls;
                    cpuRounds[c][r] = (os.getProcessCpuTime() - c0) / 1000.0 / calls;
                }
            }
            for (int c = 0; c < configs.length; c++) {
                if (only != null && !only.equals(configs[c])) continue;
                Arrays.sort(cpuRounds[c]);
                Arrays.sort(wallRounds[c]);
                cpu[c] = cpuRounds[c][rounds / 2];
                wall[c] = wallRounds[c][rounds / 2];
                System.out.printf("%-10s cpu %6.2f us/call   wall %6.2f us/call%n", configs[c], cpu[c], wall[c]);
            }
        } finally {
            for (AdaptletOverheadBenchmark b : running) {
                if (b != null) b.stop();
            }
        }
        if (only != null) return;
        System.out.println();
        System.out.printf("serving executor adds: cpu %+.2f us, wall %+.2f us per call (vs gRPC's default)%n",
                cpu[1] - cpu[0], wall[1] - wall[0]);
        System.out.printf("session layer adds: cpu %+.2f us, wall %+.2f us per call (vs plain gRPC, same executor)%n",
                cpu[2] - cpu[1], wall[2] - wall[1]);
        for (int c = 3; c < configs.length; c++) {
            int base = configs[c].equals("authz") ? 4 : 2;
            System.out.printf("%-10s adds: cpu %+.2f us, wall %+.2f us per call (vs %s)%n", configs[c],
                    cpu[c] - cpu[base], wall[c] - wall[base], configs[base]);
        }
    }

    @Benchmark
    public String call() {
        return ClientCalls.blockingUnaryCall(calls, EchoService.SAY, CallOptions.DEFAULT, "reading");
    }

    @TearDown(Level.Trial)
    public void stop() throws Exception {
        if (session != null) session.close();
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        if (plain != null) plain.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        if (serving != null) serving.close();
        if (server != null) server.close();
    }
}
