package io.gridlet.policy;

import io.gridlet.policy.sat.Resolver;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The SAT resolution against brute force on small random policy pairs: every configuration of the joint
 * vocabulary is enumerated and judged by {@link Semantics} (direct evaluation). Satisfiable exactly when some
 * configuration satisfies both; the answer satisfies both (what a client verifies) and has the best score; a
 * conflict names a set of statements that cannot hold together and is minimal (drop any one and the rest can).
 *
 * <p>The policies compare parameters and inputs with values computed from two inputs ({@code cpu}, {@code q}),
 * and one feature has a real parameter. A real parameter's values are enumerated exactly: every value in an open
 * interval between two values the policies compare it with (at the session's inputs) satisfies the same
 * comparisons, so the ends, those values and one point between each neighbouring two are all the cases. The same
 * pair is also resolved with every part solved afresh, and after a write and parse of both policies as text.
 */
class OracleTest {
    static final Map<String, Feature> ALL = new LinkedHashMap<>();

    static {
        ALL.put("f0", new Feature("f0", Map.of("x", new Domain.Ints(0, 3))));
        ALL.put("f1", new Feature("f1", Map.of("m", new Domain.Enum(List.of("a", "b", "c")))));
        ALL.put("f2", new Feature("f2", Map.of("b", new Domain.Bool())));
        ALL.put("f3", new Feature("f3", Map.of()));
        ALL.put("f4.g", new Feature("f4.g", Map.of("y", new Domain.Ints(-2, 2))));
        ALL.put("f5", new Feature("f5", Map.of("r", new Domain.Real(-1, 2))));
    }

    /** The sessions: inputs at which each pair is resolved. */
    static final List<Map<String, Double>> SESSIONS = List.of(Map.of("cpu", 0.3, "q", 0.0),
            Map.of("cpu", 0.9, "q", 3.0), Map.of("cpu", 0.5, "q", 1.0), Map.of("cpu", 0.625, "q", -2.0));

    private static final Position P = new Position(1, 1);

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4})
    void resolutionAgreesWithBruteForce(long seed) {
        Random random = new Random(seed);
        int agreed = 0, conflicts = 0;
        for (int round = 0; round < 100; round++) {
            Policy client = randomPolicy(random, "client");
            Policy server = randomPolicy(random, "server");
            Resolver resolver = Resolver.compile(client, server);
            Resolver reread = Resolver.compile(PolicyParser.parse("client", PolicyText.write(client)),
                    PolicyParser.parse("server", PolicyText.write(server)));
            for (Map<String, Double> inputs : SESSIONS) {
                Map<String, Feature> joint = new LinkedHashMap<>();
                for (String f : client.features().keySet()) {
                    if (server.features().containsKey(f)) joint.put(f, ALL.get(f));
                }
                List<Configuration> all = configurations(new ArrayList<>(joint.values()),
                        realValues(List.of(client, server), inputs));
                List<Preference> prefs = new ArrayList<>(client.preferences());
                prefs.addAll(server.preferences());
                Long best = null;
                for (Configuration c : all) {
                    if (Semantics.violations(client, c, inputs).isEmpty()
                            && Semantics.violations(server, c, inputs).isEmpty()) {
                        long s = Semantics.score(prefs, joint, c, inputs);
                        if (best == null || s > best) best = s;
                    }
                }
                String context = "round " + round + " inputs " + inputs + "\n" + PolicyText.write(client) + "\n"
                        + PolicyText.write(server);
                for (Resolver.Resolution r : List.of(resolver.resolve(inputs), resolver.solveCold(inputs),
                        reread.resolve(inputs))) {
                    if (best == null) {
                        assertThat(r).as(context).isInstanceOf(Resolver.Conflict.class);
                        assertMinimalConflict((Resolver.Conflict) r, all, inputs, context);
                    } else {
                        assertThat(r).as(context).isInstanceOf(Resolver.Agreed.class);
                        Resolver.Agreed a = (Resolver.Agreed) r;
                        assertThat(Semantics.violations(client, a.configuration(), inputs)).as(context).isEmpty();
                        assertThat(Semantics.violations(server, a.configuration(), inputs)).as(context).isEmpty();
                        assertThat(a.score()).as(context).isEqualTo(best);
                        assertThat(Semantics.score(prefs, joint, a.configuration(), inputs)).as(context)
                                .isEqualTo(best);
                    }
                }
                if (best == null) conflicts++;
                else agreed++;
            }
        }
        assertThat(agreed).as("agreed sessions").isGreaterThan(100);
        assertThat(conflicts).as("conflicts").isGreaterThan(40);
    }

    /**
     * GlueQoS's "X if C" read back from text against its definition, on random X, Y and C: as a choice of
     * exactly-one / one-or-more it is "X and C", as a statement "if C then X", at every configuration and session.
     */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2})
    void xIfCMeansWhatItIsDefinedToMean(long seed) {
        Random random = new Random(seed);
        List<String> names = new ArrayList<>(ALL.keySet());
        List<Configuration> all = configurations(new ArrayList<>(ALL.values()));
        StringBuilder declarations = new StringBuilder();
        ALL.values().forEach(f -> declarations.append(PolicyText.write(new Policy("x", "x", Map.of(f.name(), f),
                List.of(), List.of())).lines().filter(l -> l.contains("feature")).findFirst().orElseThrow())
                .append('\n'));
        for (int round = 0; round < 60; round++) {
            Expr x = expr(random, names, 2), y = expr(random, names, 2), c = random.nextBoolean() ? inputTest(random)
                    : expr(random, names, 1);
            String group = random.nextBoolean() ? "exactly-one" : "one-or-more";
            String text = "policy t {\n" + declarations + group + " { " + PolicyText.expr(x) + " if "
                    + PolicyText.expr(c) + "; " + PolicyText.expr(y) + " };\n" + PolicyText.expr(x) + " if ("
                    + PolicyText.expr(c) + ");\n}";
            Policy p = PolicyParser.parse("t", text);
            Expr choice = group.equals("exactly-one")
                    ? new Expr.ExactlyOne(List.of(new Expr.All(List.of(x, c), P), y), P)
                    : new Expr.OneOrMore(List.of(new Expr.All(List.of(x, c), P), y), P);
            Expr statement = new Expr.If(c, x, null, P);
            for (Configuration conf : all) {
                for (Map<String, Double> in : SESSIONS) {
                    assertThat(Semantics.holds(p.statements().get(0).expr(), conf, in)).as(text)
                            .isEqualTo(Semantics.holds(choice, conf, in));
                    assertThat(Semantics.holds(p.statements().get(1).expr(), conf, in)).as(text)
                            .isEqualTo(Semantics.holds(statement, conf, in));
                }
            }
        }
    }

    private static void assertMinimalConflict(Resolver.Conflict conflict, List<Configuration> all,
                                              Map<String, Double> inputs, String context) {
        List<Statement> blamed = conflict.statements().stream().map(Resolver.Blame::statement).toList();
        assertThat(blamed).as(context).isNotEmpty();
        assertThat(satisfiable(blamed, all, inputs)).as("blamed statements conflict: " + context).isFalse();
        for (int i = 0; i < blamed.size(); i++) {
            List<Statement> rest = new ArrayList<>(blamed);
            rest.remove(i);
            assertThat(satisfiable(rest, all, inputs)).as("minimal without " + i + ": " + context).isTrue();
        }
    }

    private static boolean satisfiable(List<Statement> statements, List<Configuration> all, Map<String, Double> in) {
        return all.stream().anyMatch(c -> statements.stream().allMatch(s -> Semantics.holds(s.expr(), c, in)));
    }

    /** Every configuration of these features, a real parameter at a few sample values. */
    static List<Configuration> configurations(List<Feature> features) {
        return configurations(features, d -> List.of(d.min(), (d.min() + d.max()) / 2, d.max(), 0.5, 0.25));
    }

    /**
     * The values of a real parameter that are all the cases at these inputs: its ends, every value the policies
     * compare it with inside them, and the middle of each interval between neighbours.
     */
    static java.util.function.Function<Domain.Real, List<Double>> realValues(List<Policy> policies,
                                                                            Map<String, Double> inputs) {
        return d -> {
            java.util.TreeSet<Double> points = new java.util.TreeSet<>(List.of(d.min(), d.max()));
            for (Policy p : policies) {
                List<Expr> roots = new ArrayList<>();
                p.statements().forEach(st -> roots.add(st.expr()));
                p.preferences().stream().filter(pr -> !pr.isToward()).forEach(pr -> roots.add(pr.when()));
                for (Expr e : roots) compared(e, inputs, d, points);
            }
            List<Double> out = new ArrayList<>();
            Double previous = null;
            for (double v : points) {
                if (previous != null) out.add((previous + v) / 2);
                out.add(v);
                previous = v;
            }
            return out;
        };
    }

    /** The values real comparisons in {@code e} compare with, inside the domain (there is one real parameter). */
    private static void compared(Expr e, Map<String, Double> inputs, Domain.Real d, java.util.Set<Double> out) {
        for (Expr child : Semantics.children(e)) compared(child, inputs, d, out);
        if (e instanceof Expr.Cmp c && ALL.get(c.feature()).param(c.param()) instanceof Domain.Real) {
            for (Object v : c.isRange() ? List.of(c.value(), c.upper()) : List.of(c.value())) {
                double t = ((Value) v).eval(inputs) + 0.0;
                if (t > d.min() && t < d.max()) out.add(t);
            }
        }
    }

    /** Every configuration of these features: each off, or on with every combination of parameter values. */
    static List<Configuration> configurations(List<Feature> features,
                                              java.util.function.Function<Domain.Real, List<Double>> reals) {
        List<Map<String, Map<String, Object>>> out = new ArrayList<>();
        out.add(new HashMap<>());
        for (Feature f : features) {
            List<Map<String, Object>> valuations = valuations(f, reals);
            List<Map<String, Map<String, Object>>> next = new ArrayList<>();
            for (Map<String, Map<String, Object>> partial : out) {
                next.add(partial); // off
                for (Map<String, Object> v : valuations) {
                    Map<String, Map<String, Object>> on = new HashMap<>(partial);
                    on.put(f.name(), v);
                    next.add(on);
                }
            }
            out = next;
        }
        return out.stream().map(Configuration::new).toList();
    }

    private static List<Map<String, Object>> valuations(Feature f,
                                                        java.util.function.Function<Domain.Real, List<Double>> reals) {
        List<Map<String, Object>> out = new ArrayList<>();
        out.add(new HashMap<>());
        for (Map.Entry<String, Domain> p : f.params().entrySet()) {
            List<Map<String, Object>> next = new ArrayList<>();
            for (Map<String, Object> partial : out) {
                for (Object value : values(p.getValue(), reals)) {
                    Map<String, Object> v = new HashMap<>(partial);
                    v.put(p.getKey(), value);
                    next.add(v);
                }
            }
            out = next;
        }
        return out;
    }

    private static List<Object> values(Domain d, java.util.function.Function<Domain.Real, List<Double>> reals) {
        List<Object> out = new ArrayList<>();
        if (d instanceof Domain.Ints ints) for (int i = ints.min(); i <= ints.max(); i++) out.add(i);
        else if (d instanceof Domain.Real real) out.addAll(reals.apply(real));
        else if (d instanceof Domain.Bool) out.addAll(List.of(false, true));
        else out.addAll(((Domain.Enum) d).values());
        return out;
    }

    // ---- random policies --------------------------------------------------------------------------------

    static Policy randomPolicy(Random r, String name) {
        Map<String, Feature> vocabulary = new LinkedHashMap<>();
        for (Feature f : ALL.values()) if (r.nextInt(5) > 0) vocabulary.put(f.name(), f);
        List<String> names = new ArrayList<>(vocabulary.keySet());
        if (names.isEmpty()) {
            vocabulary.put("f3", ALL.get("f3"));
            names.add("f3");
        }
        List<Statement> statements = new ArrayList<>();
        int n = 1 + r.nextInt(4);
        for (int i = 0; i < n; i++) {
            Expr e = expr(r, names, 3);
            statements.add(new Statement(e, new Position(i + 2, 3), e.toString()));
        }
        List<Preference> prefs = new ArrayList<>();
        for (int i = r.nextInt(3); i > 0; i--) {
            int w = r.nextInt(7) - 3;
            if (vocabulary.containsKey("f0") && r.nextInt(3) == 0) {
                prefs.add(Preference.toward(w, "f0", "x", r.nextBoolean(), P, "prefer"));
            } else {
                prefs.add(Preference.when(w, expr(r, names, 1), P, "prefer"));
            }
        }
        return new Policy(name, name, vocabulary, statements, prefs);
    }

    private static Expr expr(Random r, List<String> names, int depth) {
        if (depth == 0 || r.nextInt(3) == 0) return atom(r, names);
        List<Expr> parts = new ArrayList<>();
        for (int i = 1 + r.nextInt(3); i > 0; i--) parts.add(expr(r, names, depth - 1));
        Expr a = parts.get(0);
        Expr b = expr(r, names, depth - 1);
        return switch (r.nextInt(9)) {
            case 0 -> new Expr.All(parts, P);
            case 1 -> new Expr.Any(parts, P);
            case 2 -> new Expr.ExactlyOne(parts, P);
            case 3 -> new Expr.OneOrMore(parts, P);
            case 4 -> new Expr.Optional(a, P);
            case 5 -> new Expr.Not(a, P);
            case 6 -> new Expr.Requires(a, b, P);
            case 7 -> new Expr.Conflicts(a, b, P);
            default -> new Expr.If(inputTest(r), a, r.nextBoolean() ? b : null, P);
        };
    }

    private static Expr atom(Random r, List<String> names) {
        String f = names.get(r.nextInt(names.size()));
        Feature feature = ALL.get(f);
        int kind = r.nextInt(10);
        if (kind == 0) return inputTest(r);
        if (kind == 1) return new Expr.Const(r.nextInt(4) > 0, P);
        if (kind < 5 || feature.params().isEmpty()) return new Expr.On(f, P);
        String param = feature.params().keySet().iterator().next();
        Domain d = feature.param(param);
        Op anyOp = Op.values()[r.nextInt(Op.values().length)];
        if (d instanceof Domain.Ints ints) {
            int v = ints.min() - 1 + r.nextInt(ints.size() + 2);
            if (r.nextInt(3) == 0) { // a value computed from the inputs, rounded to the parameter's integers
                Value computed = value(r);
                if (r.nextInt(4) == 0) {
                    Value hi = value(r);
                    return computed.isConstant() && hi.isConstant() && hi.eval(Map.of()) < computed.eval(Map.of())
                            ? new Expr.Cmp(f, param, Op.GE, hi, computed, P) : new Expr.Cmp(f, param, Op.GE, computed, hi, P);
                }
                return new Expr.Cmp(f, param, anyOp, computed, null, P);
            }
            if (r.nextInt(4) == 0) return new Expr.Cmp(f, param, Op.GE, v, v + r.nextInt(3), P);
            return new Expr.Cmp(f, param, anyOp, v, null, P);
        }
        if (d instanceof Domain.Real) {
            Value v = r.nextBoolean() ? value(r) : new Value.Num(new double[] {-1.5, -1, 0, 0.5, 1, 2, 3}[r.nextInt(7)]);
            if (r.nextInt(4) == 0) {
                Value hi = r.nextBoolean() ? value(r) : new Value.Num(1);
                if (v.isConstant() && hi.isConstant() && hi.eval(Map.of()) < v.eval(Map.of())) { // not an empty range
                    Value swap = v;
                    v = hi;
                    hi = swap;
                }
                return new Expr.Cmp(f, param, Op.GE, v, hi, P);
            }
            return new Expr.Cmp(f, param, anyOp, v, null, P);
        }
        Op op = r.nextBoolean() ? Op.EQ : Op.NE;
        if (d instanceof Domain.Bool) return new Expr.Cmp(f, param, op, r.nextBoolean(), null, P);
        List<String> values = ((Domain.Enum) d).values();
        return new Expr.Cmp(f, param, op, values.get(r.nextInt(values.size())), null, P);
    }

    /** A comparison of two values over the inputs, or of one input with a constant. */
    static Expr inputTest(Random r) {
        Op op = Op.values()[r.nextInt(Op.values().length)];
        if (r.nextBoolean()) return new Expr.Input("cpu", r.nextBoolean() ? Op.GT : Op.LE, 0.5, P);
        return new Expr.Input(value(r), op, value(r), P);
    }

    /** A value computed from cpu, q and constants; halves and quarters, so that ties and roundings happen. */
    static Value value(Random r) {
        Value cpu = new Value.In("cpu"), q = new Value.In("q");
        return switch (r.nextInt(8)) {
            case 0 -> cpu;
            case 1 -> new Value.Bin('*', cpu, new Value.Num(4));
            case 2 -> new Value.Bin('-', q, new Value.Num(1));
            case 3 -> new Value.Bin('/', q, new Value.Num(2));
            case 4 -> new Value.Neg(cpu);
            case 5 -> new Value.Bin('-', new Value.Num(2), new Value.Bin('*', cpu, q));
            case 6 -> new Value.Bin('/', new Value.Num(1), new Value.Bin('-', q, new Value.Num(3))); // q = 3: 1 / 0
            default -> new Value.Num(r.nextInt(5) - 1.5);
        };
    }
}
