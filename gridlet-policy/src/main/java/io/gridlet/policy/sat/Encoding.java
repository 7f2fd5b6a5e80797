package io.gridlet.policy.sat;

import io.gridlet.policy.CompileBudget;
import io.gridlet.policy.Configuration;
import io.gridlet.policy.Domain;
import io.gridlet.policy.Expr;
import io.gridlet.policy.Feature;
import io.gridlet.policy.Op;
import io.gridlet.policy.Policy;
import io.gridlet.policy.PolicyException;
import io.gridlet.policy.Position;
import io.gridlet.policy.Preference;
import io.gridlet.policy.Semantics;
import io.gridlet.policy.Statement;
import io.gridlet.policy.Value;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A client and a server policy as propositional clauses (Tseitin), the input of both the resolver and the
 * explainer. Variables: one per feature of the joint vocabulary (in use or not); every parameter in the order
 * encoding ({@code ge[v]} means value >= v, enums and booleans by their index), so an interval is two literals
 * and "prefer low" is a sum of literals; one per distinct comparison of a run-time input, fixed per session by
 * assumption. A feature outside the joint vocabulary is constant false. Each top-level statement is one unit
 * clause on its formula's literal, in its own group (for explanations).
 *
 * <p>A comparison whose value is computed from run-time inputs, and every comparison of a real parameter, is a
 * <em>linked</em> variable: what it means is known once a session's inputs are ({@link Session}). A real parameter
 * is order-encoded over regions that are known only then: the values the pair compares it with at those inputs
 * (at most M, its comparisons), its ends, and the open intervals between them, so {@code 2M + 3} regions at most,
 * each {@code ge[i]} meaning "in region i or above"; positions a session does not use are false.
 *
 * <p>Bounded by a {@link CompileBudget}: variables, clauses, nesting and time are charged as they are made, and a
 * formula used more than once (a let binding) is encoded once, its literal kept by identity.
 */
final class Encoding {
    final Map<String, Feature> vocabulary = new LinkedHashMap<>();
    final Map<String, Integer> featureVar = new HashMap<>();
    /** Per feature, per parameter: {@code ge[i]} = variable of "index >= i" for i in 1..size-1 (index 0 unused). */
    final Map<String, Map<String, int[]>> paramVars = new HashMap<>();
    final Map<String, Integer> inputVar = new LinkedHashMap<>();
    final Map<Integer, Expr.Input> inputAtom = new HashMap<>();
    final List<int[]> hard = new ArrayList<>();
    /** One entry per statement: the statement and its root literal. */
    final List<Rooted> roots = new ArrayList<>();
    /** Objective: maximise the sum of weight x literal, plus a constant. */
    final List<int[]> objective = new ArrayList<>(); // {weight, literal}, weights > 0
    long objectiveOffset;
    final int top;
    private int vars;
    private final CompileBudget budget;
    /** The literal of each formula encoded so far, by identity: a shared formula gets one. */
    private final Map<Expr, Integer> encoded = new IdentityHashMap<>();
    private int depth;
    /** Where the encoding is, for messages: the policy's source and the statement's position. */
    private String source;
    private Position at = Position.NONE;

    record Rooted(String side, Statement statement, int literal) {
    }

    /**
     * A comparison defined per session: variable {@code var} holds exactly when {@code cmp}'s relation does;
     * {@code aux} stands for the conjunction an interval or an equality needs.
     */
    record Linked(int var, int aux, Expr.Cmp cmp, boolean integer) {
        String param() {
            return cmp.feature() + "." + cmp.param();
        }
    }

    /** Linked comparisons, in order of creation. */
    final List<Linked> linked = new ArrayList<>();
    private final Map<Expr.Cmp, Linked> linkedByCmp = new IdentityHashMap<>();
    /** Real parameters: "feature.param" to their domain, in order. */
    final Map<String, Domain.Real> reals = new LinkedHashMap<>();
    Encoding(Policy client, Policy server, CompileBudget budget) {
        this.budget = budget;
        for (Feature f : client.features().values()) {
            Feature other = server.features().get(f.name());
            if (other == null) continue;
            if (!other.params().equals(f.params())) {
                throw new PolicyException(null, Position.NONE, "feature " + f.name() + " is declared differently: "
                        + client.name() + " " + f.params() + ", " + server.name() + " " + other.params());
            }
            vocabulary.put(f.name(), f);
        }
        top = newVar();
        clause(top);
        for (Feature f : vocabulary.values()) {
            featureVar.put(f.name(), newVar());
            Map<String, int[]> params = new HashMap<>();
            for (Map.Entry<String, Domain> p : f.params().entrySet()) {
                if (p.getValue() instanceof Domain.Real real) reals.put(f.name() + "." + p.getKey(), real);
                int size = p.getValue() instanceof Domain.Real ? 2 * realComparisons(client, server, f.name(),
                        p.getKey()) + 3 : p.getValue().size();
                int[] ge = new int[size];
                for (int i = 1; i < size; i++) {
                    ge[i] = newVar();
                    if (i > 1) clause(-ge[i], ge[i - 1]); // >= i implies >= i - 1
                }
                params.put(p.getKey(), ge);
            }
            paramVars.put(f.name(), params);
        }
        for (Policy side : List.of(client, server)) {
            source = side.source();
            for (Statement s : side.statements()) {
                at = s.at();
                roots.add(new Rooted(side.name(), s, literal(s.expr())));
            }
            for (Preference p : side.preferences()) {
                at = p.at();
                prefer(p);
            }
        }
        inputVars = inputAtom.keySet().stream().mapToInt(Integer::intValue).sorted().toArray();
        inputTests = java.util.Arrays.stream(inputVars).mapToObj(inputAtom::get).toArray(Expr.Input[]::new);
    }

    /** The input comparison variables, ascending, and their comparisons: the order of {@link #assumptions}. */
    private final int[] inputVars;
    private final Expr.Input[] inputTests;

    int vars() {
        return vars;
    }

    /** How many values the pair compares a real parameter with (a range counts two): the most a session has. */
    private static int realComparisons(Policy client, Policy server, String feature, String param) {
        int[] n = {0};
        Map<Expr, Boolean> seen = new IdentityHashMap<>();
        for (Policy side : List.of(client, server)) {
            List<Expr> roots = new ArrayList<>();
            side.statements().forEach(st -> roots.add(st.expr()));
            side.preferences().forEach(pr -> {
                if (!pr.isToward()) roots.add(pr.when());
            });
            for (Expr root : roots) count(root, feature, param, n, seen);
        }
        return n[0];
    }

    private static void count(Expr e, String feature, String param, int[] n, Map<Expr, Boolean> seen) {
        if (seen.put(e, true) != null) return; // a let binding used twice is one comparison
        if (e instanceof Expr.Cmp c && c.feature().equals(feature) && c.param().equals(param)) {
            n[0] += c.isRange() ? 2 : 1;
        }
        for (Expr child : Semantics.children(e)) count(child, feature, param, n, seen);
    }

    private int newVar() {
        if (++vars > budget.maxVariables()) {
            throw PolicyException.limit(source, at, "policies too large: their encoding needs more than "
                    + budget.maxVariables() + " variables");
        }
        return vars;
    }

    private void clause(int... literals) {
        budget.charge(source, at);
        if (hard.size() >= budget.maxClauses()) {
            throw PolicyException.limit(source, at, "policies too large: their encoding needs more than "
                    + budget.maxClauses() + " clauses");
        }
        hard.add(literals);
    }

    private void prefer(Preference p) {
        if (Math.abs((long) p.weight()) > Preference.MAX_WEIGHT) {
            throw new PolicyException(source, p.at(), "a preference's weight is at most " + Preference.MAX_WEIGHT
                    + " either way, got " + p.weight());
        }
        if (!p.isToward()) {
            term(p.weight(), literal(p.when()));
            return;
        }
        int[] ge = paramVars.containsKey(p.feature()) ? paramVars.get(p.feature()).get(p.param()) : null;
        if (ge == null) return; // not in the joint vocabulary: the parameter does not exist in a session
        if (!(vocabulary.get(p.feature()).param(p.param()) instanceof Domain.Ints)) {
            throw new PolicyException(source, p.at(), "prefer low/high needs an integer parameter, got "
                    + p.feature() + "." + p.param());
        }
        int on = featureVar.get(p.feature());
        // each step above the low end, while the feature is used: a reward (high) or a penalty (low)
        for (int i = 1; i < ge.length; i++) term(p.low() ? -p.weight() : p.weight(), and(new int[] {on, ge[i]}));
    }

    private void term(int weight, int literal) {
        if (weight > 0) objective.add(new int[] {weight, literal});
        else if (weight < 0) { // w * l = w + |w| * not l
            objectiveOffset += weight;
            objective.add(new int[] {-weight, -literal});
        }
    }

    /** The literal equivalent to {@code e}, made once per formula object. */
    int literal(Expr e) {
        Integer known = encoded.get(e);
        if (known != null) return known;
        if (++depth > CompileBudget.MAX_DEPTH) { // a parsed policy is within this; a policy built in code may not be
            throw PolicyException.limit(source, at, "policy too deep: nested deeper than " + CompileBudget.MAX_DEPTH
                    + " levels");
        }
        budget.charge(source, at);
        try {
            int literal = encode(e);
            encoded.put(e, literal);
            return literal;
        } finally {
            depth--;
        }
    }

    private int encode(Expr e) {
        if (e instanceof Expr.Const k) return k.value() ? top : -top;
        if (e instanceof Expr.On on) {
            Integer v = featureVar.get(on.feature());
            return v == null ? -top : v;
        }
        if (e instanceof Expr.Cmp cmp) return comparison(cmp);
        if (e instanceof Expr.Input in) {
            String key = in.text();
            Integer v = inputVar.get(key);
            if (v == null) {
                v = newVar();
                inputVar.put(key, v);
                inputAtom.put(v, in);
            }
            return v;
        }
        if (e instanceof Expr.Not not) return -literal(not.operand());
        if (e instanceof Expr.All all) return and(literals(all.parts()));
        if (e instanceof Expr.Any any) return or(literals(any.parts()));
        if (e instanceof Expr.OneOrMore more) return or(literals(more.parts()));
        if (e instanceof Expr.ExactlyOne one) {
            int[] parts = literals(one.parts());
            List<Integer> conjuncts = new ArrayList<>();
            conjuncts.add(or(parts));
            for (int i = 0; i < parts.length; i++) {
                for (int j = i + 1; j < parts.length; j++) conjuncts.add(-and(new int[] {parts[i], parts[j]}));
            }
            return and(conjuncts.stream().mapToInt(Integer::intValue).toArray());
        }
        if (e instanceof Expr.Optional opt) {
            List<Integer> off = new ArrayList<>();
            for (String f : Semantics.features(opt.part())) {
                Integer v = featureVar.get(f);
                if (v != null) off.add(-v);
            }
            return or(new int[] {literal(opt.part()), and(off.stream().mapToInt(Integer::intValue).toArray())});
        }
        if (e instanceof Expr.Requires r) return or(new int[] {-literal(r.left()), literal(r.right())});
        if (e instanceof Expr.Conflicts r) return -and(new int[] {literal(r.left()), literal(r.right())});
        Expr.If i = (Expr.If) e;
        int c = literal(i.condition());
        int then = or(new int[] {-c, literal(i.then())});
        if (i.otherwise() == null) return then;
        return and(new int[] {then, or(new int[] {c, literal(i.otherwise())})});
    }

    private int[] literals(List<Expr> parts) {
        int[] out = new int[parts.size()];
        for (int i = 0; i < out.length; i++) out[i] = literal(parts.get(i));
        return out;
    }

    private int comparison(Expr.Cmp cmp) {
        Integer on = featureVar.get(cmp.feature());
        if (on == null) return -top;
        Domain d = vocabulary.get(cmp.feature()).param(cmp.param());
        int[] ge = paramVars.get(cmp.feature()).get(cmp.param());
        int atom;
        if (d instanceof Domain.Real || cmp.readsInputs()) {
            Linked l = linkedByCmp.get(cmp);
            if (l == null) {
                int var = newVar();
                l = new Linked(var, newVar(), cmp, d instanceof Domain.Ints);
                linkedByCmp.put(cmp, l);
                linked.add(l);
            }
            atom = l.var();
        } else if (d instanceof Domain.Ints ints) {
            atom = numeric(cmp, ge, threshold -> intIndex(ints, threshold, false),
                    threshold -> intIndex(ints, threshold, true), Map.of(), this::and);
        } else {
            int value = index(d, cmp.value());
            atom = switch (cmp.op()) {
                case EQ -> and(new int[] {atLeast(ge, value), -atLeast(ge, value + 1)});
                case NE -> -and(new int[] {atLeast(ge, value), -atLeast(ge, value + 1)});
                default -> throw new IllegalStateException("enums and booleans compare with == and != only");
            };
        }
        return and(new int[] {on, atom});
    }

    /**
     * The literal of a number comparison, given where a value lies in the parameter's order encoding: {@code ge(t)}
     * is the first index whose values are all >= t, {@code gt(t)} the first whose values are all > t (every value
     * compared with sits on an index boundary: integers rounded, reals on the session's ladder). A conjunction of
     * two literals is made by {@code and} (a Tseitin variable at compile time, clauses about a linked variable in
     * a session).
     */
    int numeric(Expr.Cmp cmp, int[] ge, java.util.function.DoubleToIntFunction geIndex,
                java.util.function.DoubleToIntFunction gtIndex, Map<String, Double> inputs,
                java.util.function.Function<int[], Integer> and) {
        double t = Semantics.threshold(cmp, cmp.value(), isInt(cmp), inputs);
        if (cmp.isRange()) {
            double hi = Semantics.threshold(cmp, cmp.upper(), isInt(cmp), inputs);
            if (Double.isNaN(t) || Double.isNaN(hi)) return -top;
            return and.apply(new int[] {atLeast(ge, geIndex.applyAsInt(t)), -atLeast(ge, gtIndex.applyAsInt(hi))});
        }
        if (Double.isNaN(t)) return cmp.op() == Op.NE ? top : -top; // IEEE: only != holds with NaN
        int geI = geIndex.applyAsInt(t), gtI = gtIndex.applyAsInt(t);
        return switch (cmp.op()) {
            case GE -> atLeast(ge, geI);
            case GT -> atLeast(ge, gtI);
            case LT -> -atLeast(ge, geI);
            case LE -> -atLeast(ge, gtI);
            case EQ -> and.apply(new int[] {atLeast(ge, geI), -atLeast(ge, gtI)});
            case NE -> -and.apply(new int[] {atLeast(ge, geI), -atLeast(ge, gtI)});
        };
    }

    private boolean isInt(Expr.Cmp cmp) {
        return vocabulary.get(cmp.feature()).param(cmp.param()) instanceof Domain.Ints;
    }

    /** The first index of an integer range whose value is >= t (or > t), for any t but NaN. */
    static int intIndex(Domain.Ints d, double t, boolean strictly) {
        double i = (strictly ? Math.floor(t) + 1 : Math.ceil(t)) - d.min();
        return (int) Math.max(Math.min(i, d.size()), 0);
    }

    /** The index of an enumeration or boolean value. */
    static int index(Domain d, Object value) {
        if (d instanceof Domain.Bool) return ((Boolean) value) ? 1 : 0;
        return ((Domain.Enum) d).values().indexOf((String) value);
    }

    /** The literal of "index >= i". */
    int atLeast(int[] ge, int i) {
        if (i <= 0) return top;
        if (i >= ge.length) return -top;
        return ge[i];
    }

    private int and(int[] parts) {
        if (parts.length == 1) return parts[0];
        int out = newVar();
        int[] back = new int[parts.length + 1];
        back[0] = out;
        for (int i = 0; i < parts.length; i++) {
            clause(-out, parts[i]);
            back[i + 1] = -parts[i];
        }
        clause(back);
        return out;
    }

    private int or(int[] parts) {
        if (parts.length == 1) return parts[0];
        if (parts.length == 0) return -top;
        int out = newVar();
        int[] forth = new int[parts.length + 1];
        forth[0] = -out;
        for (int i = 0; i < parts.length; i++) {
            clause(out, -parts[i]);
            forth[i + 1] = parts[i];
        }
        clause(forth);
        return out;
    }

    /** Decodes a model into feature values (parameters by counting their order-encoding literals). */
    Configuration decode(boolean[] model, Session session) {
        Map<String, Map<String, Object>> on = new LinkedHashMap<>();
        for (Feature f : vocabulary.values()) {
            if (!model[featureVar.get(f.name())]) continue;
            Map<String, Object> values = new LinkedHashMap<>();
            for (Map.Entry<String, Domain> p : f.params().entrySet()) {
                int[] ge = paramVars.get(f.name()).get(p.getKey());
                int i = 0;
                while (i + 1 < ge.length && model[ge[i + 1]]) i++;
                values.put(p.getKey(), p.getValue() instanceof Domain.Real
                        ? session.realValue(f.name() + "." + p.getKey(), i) : value(p.getValue(), i));
            }
            on.put(f.name(), values);
        }
        return new Configuration(on);
    }

    static Object value(Domain d, int index) {
        if (d instanceof Domain.Ints ints) return ints.min() + index;
        if (d instanceof Domain.Bool) return index == 1;
        return ((Domain.Enum) d).values().get(index);
    }

    /** The assumption literals for these input values. */
    int[] assumptions(Map<String, Double> inputs) {
        int[] out = new int[inputVars.length];
        for (int i = 0; i < out.length; i++) out[i] = inputTests[i].holds(inputs) ? inputVars[i] : -inputVars[i];
        return out;
    }

    /** The input comparison variables, in the order of {@link #assumptions}. */
    int[] inputVars() {
        return inputVars.clone();
    }

    /**
     * What one session's inputs make of the pair: the input comparisons' values (assumptions), each linked
     * comparison's values, each real parameter's ladder, and the clauses that say so.
     */
    final class Session {
        final Map<String, Double> inputs;
        final int[] assumptions;
        /** Per linked comparison (in {@link #linked}'s order): the values it compares with, one or two. */
        final double[][] thresholds;
        /** Per real parameter: its ends and the values compared with inside, sorted, distinct. */
        final Map<String, double[]> points;

        Session(Map<String, Double> inputs) {
            this.inputs = inputs;
            this.assumptions = assumptions(inputs);
            thresholds = new double[linked.size()][];
            Map<String, java.util.TreeSet<Double>> cuts = reals.isEmpty() ? Map.of() : new HashMap<>();
            for (String p : reals.keySet()) {
                Domain.Real d = reals.get(p);
                cuts.put(p, new java.util.TreeSet<>(List.of(d.min(), d.max())));
            }
            for (int i = 0; i < thresholds.length; i++) {
                Linked l = linked.get(i);
                Expr.Cmp c = l.cmp();
                double lo = Semantics.threshold(c, c.value(), l.integer(), inputs);
                thresholds[i] = c.isRange() ? new double[] {lo, Semantics.threshold(c, c.upper(), l.integer(),
                        inputs)} : new double[] {lo};
                if (l.integer()) continue;
                Domain.Real d = reals.get(l.param());
                for (double t : thresholds[i]) if (t > d.min() && t < d.max()) cuts.get(l.param()).add(t);
            }
            points = reals.isEmpty() ? Map.of() : new HashMap<>();
            cuts.forEach((p, set) -> points.put(p, set.stream().mapToDouble(Double::doubleValue).toArray()));
            indices = new int[thresholds.length][];
            for (int i = 0; i < thresholds.length; i++) {
                Linked l = linked.get(i);
                int[] out = new int[2 * thresholds[i].length];
                for (int k = 0; k < thresholds[i].length; k++) {
                    double t = thresholds[i][k];
                    if (Double.isNaN(t)) {
                        out[2 * k] = out[2 * k + 1] = -1;
                    } else if (l.integer()) {
                        Domain.Ints d = (Domain.Ints) vocabulary.get(l.cmp().feature()).param(l.cmp().param());
                        out[2 * k] = intIndex(d, t, false);
                        out[2 * k + 1] = intIndex(d, t, true);
                    } else {
                        double[] p = points.get(l.param());
                        out[2 * k] = realIndex(p, t, false);
                        out[2 * k + 1] = realIndex(p, t, true);
                    }
                }
                indices[i] = out;
            }
        }

        /**
         * Per linked comparison, where each of its values falls in its parameter's order encoding (first index
         * >= it, first index > it; -1 for NaN): all a session's clauses depend on, with the ladders' lengths.
         */
        final int[][] indices;

        /** The clauses defining linked comparison {@code i} at this session, added to {@code out}. */
        void link(int i, List<int[]> out) {
            Linked l = linked.get(i);
            Expr.Cmp c = l.cmp();
            Domain d = vocabulary.get(c.feature()).param(c.param());
            int[] ge = paramVars.get(c.feature()).get(c.param());
            java.util.function.Function<int[], Integer> and = parts -> { // aux <-> parts[0] and parts[1]
                out.add(new int[] {-l.aux(), parts[0]});
                out.add(new int[] {-l.aux(), parts[1]});
                out.add(new int[] {l.aux(), -parts[0], -parts[1]});
                return l.aux();
            };
            int literal;
            if (d instanceof Domain.Ints ints) {
                literal = numeric(c, ge, t -> intIndex(ints, t, false), t -> intIndex(ints, t, true), inputs, and);
            } else {
                double[] p = points.get(l.param());
                literal = numeric(c, ge, t -> realIndex(p, t, false), t -> realIndex(p, t, true), inputs, and);
            }
            out.add(new int[] {-l.var(), literal});
            out.add(new int[] {l.var(), -literal});
        }

        /**
         * The clauses closing the ladder positions of a real parameter this session does not use, and the open
         * intervals with no number in them (between two neighbouring doubles).
         */
        void ladder(String param, List<int[]> out) {
            String[] fp = {param.substring(0, param.lastIndexOf('.')), param.substring(param.lastIndexOf('.') + 1)};
            int[] ge = paramVars.get(fp[0]).get(fp[1]);
            double[] p = points.get(param);
            for (int j = 2 * p.length - 1; j < ge.length; j++) out.add(new int[] {-ge[j]});
            for (int i = 0; i + 1 < p.length; i++) {
                if (Math.nextUp(p[i]) < p[i + 1]) continue;
                int r = 2 * i + 1; // region r is empty: not (>= r and not >= r + 1)
                out.add(new int[] {-atLeast(ge, r), atLeast(ge, r + 1)});
            }
        }

        /** How many points the ladder of linked comparison {@code i}'s parameter has (0 for an integer one). */
        int ladderLength(int i) {
            Linked l = linked.get(i);
            return l.integer() ? 0 : points.get(l.param()).length;
        }

        /** A real parameter's value in region {@code r}: a point, or the middle of an open interval. */
        double realValue(String param, int r) {
            double[] p = points.get(param);
            if (r % 2 == 0) return p[r / 2];
            double lo = p[r / 2], hi = p[r / 2 + 1];
            double mid = lo / 2 + hi / 2; // no overflow
            return mid > lo && mid < hi ? mid : Math.nextUp(lo); // the interval is not empty (see ladder)
        }
    }

    /** The first region (of a real ladder with these points) whose values are all >= t (> t if strictly). */
    static int realIndex(double[] points, double t, boolean strictly) {
        if (t < points[0]) return 0;
        if (t > points[points.length - 1]) return 2 * points.length - 1;
        int j = java.util.Arrays.binarySearch(points, t);
        if (j < 0) throw new IllegalStateException("a compared value off the ladder: " + t);
        return 2 * j + (strictly ? 1 : 0);
    }
}
