package io.gridlet.policy;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What policies mean, by direct evaluation of a configuration: the definition the SAT encoding is tested
 * against, and how a client verifies the configuration a server answered with.
 */
public final class Semantics {
    private Semantics() {
    }

    /** Whether {@code e} holds in {@code c} with these run-time inputs. */
    public static boolean holds(Expr e, Configuration c, Map<String, Double> inputs) {
        if (e instanceof Expr.On on) return c.isOn(on.feature());
        if (e instanceof Expr.Cmp cmp) {
            return c.isOn(cmp.feature()) && compare(cmp, c.value(cmp.feature(), cmp.param()), inputs);
        }
        if (e instanceof Expr.Input in) return in.holds(inputs);
        if (e instanceof Expr.Const k) return k.value();
        if (e instanceof Expr.Not not) return !holds(not.operand(), c, inputs);
        if (e instanceof Expr.All all) return all.parts().stream().allMatch(p -> holds(p, c, inputs));
        if (e instanceof Expr.Any any) return any.parts().stream().anyMatch(p -> holds(p, c, inputs));
        if (e instanceof Expr.OneOrMore more) return more.parts().stream().anyMatch(p -> holds(p, c, inputs));
        if (e instanceof Expr.ExactlyOne one) return one.parts().stream().filter(p -> holds(p, c, inputs)).count() == 1;
        if (e instanceof Expr.Optional opt) {
            return holds(opt.part(), c, inputs) || features(opt.part()).stream().noneMatch(c::isOn);
        }
        if (e instanceof Expr.Requires r) return !holds(r.left(), c, inputs) || holds(r.right(), c, inputs);
        if (e instanceof Expr.Conflicts r) return !(holds(r.left(), c, inputs) && holds(r.right(), c, inputs));
        Expr.If i = (Expr.If) e;
        return holds(i.condition(), c, inputs) ? holds(i.then(), c, inputs)
                : i.otherwise() == null || holds(i.otherwise(), c, inputs);
    }

    /**
     * The number a parameter is compared with, at these inputs ({@code value} is the comparison's value or its
     * upper end): as computed, except that {@code ==} and {@code !=} with an integer parameter compare with the
     * nearest integer, halves up (an integer never equals 7.3); {@code <}, {@code >=}, an interval ... compare
     * exactly, so {@code n >= 8.25} asks for 9 or more.
     */
    public static double threshold(Expr.Cmp cmp, Object value, boolean integer, Map<String, Double> inputs) {
        double v = ((Value) value).eval(inputs) + 0.0; // -0.0 is 0.0
        boolean equality = !cmp.isRange() && (cmp.op() == Op.EQ || cmp.op() == Op.NE);
        return integer && equality ? Value.roundHalfUp(v) : v;
    }

    private static boolean compare(Expr.Cmp cmp, Object value, Map<String, Double> inputs) {
        if (value == null) return false;
        if (value instanceof Integer || value instanceof Double) {
            double x = ((Number) value).doubleValue();
            boolean integer = value instanceof Integer;
            double v = threshold(cmp, cmp.value(), integer, inputs);
            if (cmp.isRange()) return x >= v && x <= threshold(cmp, cmp.upper(), integer, inputs);
            return cmp.op().test(x, v);
        }
        boolean equal = value.equals(cmp.value());
        return cmp.op() == Op.EQ ? equal : !equal; // enums and booleans: == and != only
    }

    /** The run-time inputs {@code e} reads (in its comparisons of inputs and its computed parameter values). */
    public static Set<String> inputs(Expr e) {
        Set<String> out = new LinkedHashSet<>();
        collectInputs(e, out);
        return out;
    }

    private static void collectInputs(Expr e, Set<String> out) {
        for (Expr child : children(e)) collectInputs(child, out);
        if (e instanceof Expr.Input in) {
            in.left().inputs(out);
            in.right().inputs(out);
        }
        if (e instanceof Expr.Cmp cmp) {
            if (cmp.value() instanceof Value v) v.inputs(out);
            if (cmp.upper() instanceof Value v) v.inputs(out);
        }
    }

    private static boolean inDomain(Domain d, Object v) {
        if (d instanceof Domain.Ints ints) return v instanceof Integer i && i >= ints.min() && i <= ints.max();
        if (d instanceof Domain.Real real) return v instanceof Double x && real.contains(x);
        if (d instanceof Domain.Bool) return v instanceof Boolean;
        return v instanceof String s && ((Domain.Enum) d).values().contains(s);
    }

    /** The features {@code e} mentions. */
    public static Set<String> features(Expr e) {
        Set<String> out = new LinkedHashSet<>();
        collect(e, out);
        return out;
    }

    private static void collect(Expr e, Set<String> out) {
        for (Expr child : children(e)) collect(child, out);
        if (e instanceof Expr.On on) out.add(on.feature());
        if (e instanceof Expr.Cmp cmp) out.add(cmp.feature());
    }

    /** The direct subformulas of {@code e}, in order. */
    public static List<Expr> children(Expr e) {
        if (e instanceof Expr.Not not) return List.of(not.operand());
        if (e instanceof Expr.All all) return all.parts();
        if (e instanceof Expr.Any any) return any.parts();
        if (e instanceof Expr.OneOrMore more) return more.parts();
        if (e instanceof Expr.ExactlyOne one) return one.parts();
        if (e instanceof Expr.Optional opt) return List.of(opt.part());
        if (e instanceof Expr.Requires r) return List.of(r.left(), r.right());
        if (e instanceof Expr.Conflicts r) return List.of(r.left(), r.right());
        if (e instanceof Expr.If i) {
            return i.otherwise() == null ? List.of(i.condition(), i.then())
                    : List.of(i.condition(), i.then(), i.otherwise());
        }
        return List.of();
    }

    /** The statements of {@code p} that {@code c} violates, and a feature used outside its vocabulary. */
    public static List<String> violations(Policy p, Configuration c, Map<String, Double> inputs) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, Map<String, Object>> on : c.features().entrySet()) {
            Feature f = p.features().get(on.getKey());
            if (f == null) {
                out.add(on.getKey() + " is not in the vocabulary of " + p.name());
                continue;
            }
            if (!on.getValue().keySet().equals(f.params().keySet())) {
                out.add(f.name() + " has parameters " + on.getValue().keySet() + ", " + p.name() + " declares "
                        + f.params().keySet());
                continue;
            }
            f.params().forEach((param, d) -> {
                if (!inDomain(d, on.getValue().get(param))) {
                    out.add(f.name() + "." + param + " = " + on.getValue().get(param) + " is outside " + d);
                }
            });
        }
        for (Statement s : p.statements()) {
            if (!holds(s.expr(), c, inputs)) out.add(p.name() + " line " + s.at().line() + ": " + s.text());
        }
        return out;
    }

    /**
     * The points {@code c} earns under the preferences. {@code prefer W when} earns W if it holds; {@code prefer W
     * high f.p} earns W per step of p above its low end and {@code prefer W low f.p} loses W per step, both only
     * while f is used (a preference about a parameter never rewards using or dropping its feature for itself).
     */
    public static long score(List<Preference> preferences, Map<String, Feature> vocabulary, Configuration c,
                             Map<String, Double> inputs) {
        long sum = 0;
        for (Preference p : preferences) {
            if (!p.isToward()) {
                if (holds(p.when(), c, inputs)) sum += p.weight();
                continue;
            }
            if (!vocabulary.containsKey(p.feature()) || !c.isOn(p.feature())) continue;
            Domain.Ints d = (Domain.Ints) vocabulary.get(p.feature()).param(p.param());
            long steps = (Integer) c.value(p.feature(), p.param()) - d.min();
            sum += (p.low() ? -1 : 1) * p.weight() * steps;
        }
        return sum;
    }
}
