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

import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One session resolved against a compiled client/server policy pair (the per-session work of the negotiation),
 * with a known pattern of input comparisons (memorised) and with a new one (satisfiability under the inputs and
 * the preference optimisation). {@code features} scales the pair; the setup prints its variable count (1, 9 and
 * 85 features are about 10, 100 and 1,000 variables, the targets' sizes).
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
    private final Map<String, Double> quiet = Map.of("load", 0.2);
    private final Map<String, Double> busy = Map.of("load", 0.9);
    private int session;

    @Setup
    public void setUp() {
        resolver = Resolver.compile(PolicyParser.parse("client", client(features)),
                PolicyParser.parse("server", server(features)));
        System.out.println("\n" + features + " features: " + resolver.variables() + " variables");
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

    /** A server that wants at least one of every three features and higher levels when loaded. */
    static String server(int n) {
        StringBuilder sb = new StringBuilder("policy server {\n");
        declare(sb, n);
        for (int i = 0; i < n; i += 3) {
            sb.append("one-or-more { f").append(i);
            for (int j = i + 1; j < Math.min(n, i + 3); j++) sb.append("; f").append(j);
            sb.append(" };\n");
        }
        for (int i = 0; i < n; i += 4) {
            sb.append("if load > 0.5 then f").append(i).append(" requires f").append(i).append(".l >= 1;\n");
        }
        for (int i = 1; i < n; i += 2) sb.append("prefer high f").append(i).append(".l;\n");
        return sb.append("}\n").toString();
    }

    private static void declare(StringBuilder sb, int n) {
        for (int i = 0; i < n; i++) sb.append("feature f").append(i).append("(l: 0..3);\n");
    }

    /** A session whose pattern of input comparisons was seen before (the steady state of a server). */
    @Benchmark
    public Resolver.Resolution resolveKnownPattern() {
        return resolver.resolve((session++ & 1) == 0 ? quiet : busy);
    }

    /** A session solved from the compiled clauses without the per-pattern memory (a new pattern of inputs). */
    @Benchmark
    public Resolver.Resolution solveNewPattern() {
        return resolver.solve((session++ & 1) == 0 ? quiet : busy);
    }
}
