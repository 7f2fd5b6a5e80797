package io.gridlet.bench;

import io.gridlet.policy.PolicyParser;
import io.gridlet.policy.sat.Resolver;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * One session resolved against a compiled client/server policy pair (the per-session work of the negotiation).
 * The server reads 16 run-time inputs (8 loads compared with 0.5, 8 queue lengths from which a parameter bound is
 * computed), so sessions with random inputs almost never repeat a whole pattern; each independent part of the pair
 * reads one or two of them. Three costs: a pattern seen before (memorised whole); a new pattern (the usual case:
 * each part answers from what it has seen of its own inputs, solving only a part pattern it has not seen; the
 * inputs are 4,096 random sessions cycled, fixed seed); and cold, every part solved afresh on a Sat4j solver (what
 * a part pattern never seen costs). {@code features} scales the pair; the setup prints its variable count (1, 9
 * and 85 features are about 10, 100 and 1,000 variables, the targets' sizes).
 * Run: {@code ./bench jmh PolicyBenchmark}; sample mode gives the median and tail.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class PolicyBenchmark {
    @Param({"1", "9", "85"})
    public int features;

    private Resolver resolver;
    private Map<String, Double> quiet;
    private Map<String, Double> busy;
    private final List<Map<String, Double>> sessions = new ArrayList<>();
    private int session;

    @Setup
    public void setUp() {
        resolver = Resolver.compile(PolicyParser.parse("client", client(features)),
                PolicyParser.parse("server", server(features)));
        System.out.println("\n" + features + " features: " + resolver.variables() + " variables");
        Random random = new Random(42);
        for (int i = 0; i < 4096; i++) {
            Map<String, Double> in = new HashMap<>();
            for (int k = 0; k < 8; k++) {
                in.put("load" + k, random.nextDouble());
                in.put("queued" + k, (double) random.nextInt(16));
            }
            sessions.add(in);
        }
        quiet = sessions.get(0);
        busy = sessions.get(1);
        resolver.resolve(busy); // fail early if the generated pair is wrong
    }

    /** A client that accepts each feature only at level <= 2, keeps neighbours apart and likes low levels. */
    static String client(int n) {
        StringBuilder sb = new StringBuilder("policy client {\n");
        declare(sb, n);
        for (int i = 0; i < n; i++) {
            sb.append("f").append(i).append(" requires f").append(i).append(".l <= 2;\n");
            if (i % 3 == 2) sb.append("f").append(i).append(" conflicts f").append(i - 1).append(";\n");
            if (i % 2 == 0) sb.append("prefer 2 f").append(i).append(";\n");
            sb.append("prefer low f").append(i).append(".l;\n");
        }
        return sb.append("}\n").toString();
    }

    /**
     * A server that wants at least one of every three features, higher levels of some when one of its loads is
     * high, and bounds others by a queue length (a value computed from an input, rounded).
     */
    static String server(int n) {
        StringBuilder sb = new StringBuilder("policy server {\n");
        declare(sb, n);
        for (int i = 0; i < n; i += 3) {
            sb.append("one-or-more { f").append(i);
            for (int j = i + 1; j < Math.min(n, i + 3); j++) sb.append("; f").append(j);
            sb.append(" };\n");
        }
        for (int i = 0; i < n; i += 4) {
            sb.append("if load").append(i % 8).append(" > 0.5 then f").append(i).append(" requires f").append(i)
                    .append(".l >= 1;\n");
        }
        for (int i = 2; i < n; i += 4) {
            sb.append("f").append(i).append(" requires f").append(i).append(".l <= queued").append(i % 8)
                    .append(" / 4;\n");
        }
        for (int i = 1; i < n; i += 2) sb.append("prefer high f").append(i).append(".l;\n");
        return sb.append("}\n").toString();
    }

    private static void declare(StringBuilder sb, int n) {
        for (int i = 0; i < n; i++) sb.append("feature f").append(i).append("(l: 0..3);\n");
    }

    /** A session whose pattern of inputs was seen before (the steady state of a server with few inputs). */
    @Benchmark
    public Resolver.Resolution resolveKnownPattern() {
        return resolver.resolve((session++ & 1) == 0 ? quiet : busy);
    }

    /** A session whose whole pattern is new: each part answers from its own memory or solves its new pattern. */
    @Benchmark
    public Resolver.Resolution solveNewPattern() {
        return resolver.solve(sessions.get(session++ & 4095));
    }

    /** A session solved from the compiled clauses with no memory at all (every part's pattern never seen). */
    @Benchmark
    public Resolver.Resolution solveCold() {
        return resolver.solveCold(sessions.get(session++ & 4095));
    }
}
