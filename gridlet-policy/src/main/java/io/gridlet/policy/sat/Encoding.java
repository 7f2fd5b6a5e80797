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
                int size = p.getValue().size();
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
    }

    int vars() {
        return vars;
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
        if (!p.isToward()) {
            term(p.weight(), literal(p.when()));
            return;
        }
        int[] ge = paramVars.containsKey(p.feature()) ? paramVars.get(p.feature()).get(p.param()) : null;
        if (ge == null) return; // not in the joint vocabulary: the parameter does not exist in a session
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
            String key = in.name() + " " + in.op().symbol + " " + in.value();
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
        int value = index(d, cmp.value());
        int atom;
        if (cmp.isRange()) {
            atom = and(new int[] {atLeast(ge, value), -atLeast(ge, index(d, cmp.upper()) + 1)});
        } else {
            atom = switch (cmp.op()) {
                case GE -> atLeast(ge, value);
                case GT -> atLeast(ge, value + 1);
                case LT -> -atLeast(ge, value);
                case LE -> -atLeast(ge, value + 1);
                case EQ -> and(new int[] {atLeast(ge, value), -atLeast(ge, value + 1)});
                case NE -> -and(new int[] {atLeast(ge, value), -atLeast(ge, value + 1)});
            };
        }
        return and(new int[] {on, atom});
    }

    /** The index of a parameter value: integers from the range's low end (may be outside), enums by position. */
    static int index(Domain d, Object value) {
        if (d instanceof Domain.Ints ints) {
            long i = (long) (Integer) value - ints.min();
            return (int) Math.max(Math.min(i, Integer.MAX_VALUE / 2), Integer.MIN_VALUE / 2);
        }
        if (d instanceof Domain.Bool) return ((Boolean) value) ? 1 : 0;
        return ((Domain.Enum) d).values().indexOf((String) value);
    }

    /** The literal of "index >= i". */
    private int atLeast(int[] ge, int i) {
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
    Configuration decode(boolean[] model) {
        Map<String, Map<String, Object>> on = new LinkedHashMap<>();
        for (Feature f : vocabulary.values()) {
            if (!model[featureVar.get(f.name())]) continue;
            Map<String, Object> values = new LinkedHashMap<>();
            for (Map.Entry<String, Domain> p : f.params().entrySet()) {
                int[] ge = paramVars.get(f.name()).get(p.getKey());
                int i = 0;
                while (i + 1 < ge.length && model[ge[i + 1]]) i++;
                values.put(p.getKey(), value(p.getValue(), i));
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
        int[] out = new int[inputVar.size()];
        int i = 0;
        for (Map.Entry<Integer, Expr.Input> e : inputAtom.entrySet()) {
            Expr.Input in = e.getValue();
            out[i++] = in.op().test(Semantics.input(inputs, in), in.value()) ? e.getKey() : -e.getKey();
        }
        return out;
    }

}
