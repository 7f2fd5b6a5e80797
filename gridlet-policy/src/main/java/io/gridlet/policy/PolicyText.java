package io.gridlet.policy;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Writes a policy in the text language: declarations, then each statement with its formula written out in full
 * (let bindings expanded, composite parts parenthesised), then the preferences. Parsing the result gives the same
 * formulas; writing that again gives the same text.
 */
public final class PolicyText {
    private PolicyText() {
    }

    public static String write(Policy p) {
        StringBuilder sb = new StringBuilder("policy ").append(p.name()).append(" {\n");
        for (Feature f : p.features().values()) {
            sb.append("  feature ").append(f.name());
            if (!f.params().isEmpty()) {
                sb.append('(').append(f.params().entrySet().stream().map(e -> e.getKey() + ": " + e.getValue())
                        .collect(Collectors.joining(", "))).append(')');
            }
            sb.append(";\n");
        }
        for (Statement s : p.statements()) sb.append("  ").append(expr(s.expr())).append(";\n");
        for (Preference pref : p.preferences()) {
            sb.append("  prefer ").append(pref.weight()).append(' ');
            if (pref.isToward()) {
                sb.append(pref.low() ? "low " : "high ").append(pref.feature()).append('.').append(pref.param());
            } else {
                sb.append(expr(pref.when()));
            }
            sb.append(";\n");
        }
        return sb.append("}\n").toString();
    }

    /** One formula in the text language. */
    public static String expr(Expr e) {
        if (e instanceof Expr.On on) return on.feature();
        if (e instanceof Expr.Cmp c) {
            String name = c.feature() + "." + c.param();
            if (c.isRange()) return name + " in [" + c.value() + ", " + c.upper() + "]";
            return name + " " + c.op().symbol + " " + c.value();
        }
        if (e instanceof Expr.Input in) return in.text();
        if (e instanceof Expr.Const k) return Boolean.toString(k.value());
        if (e instanceof Expr.Not not) return "not " + nested(not.operand());
        if (e instanceof Expr.All all) return group("all", all.parts());
        if (e instanceof Expr.Any any) {
            if (any.parts().isEmpty()) return "false";
            return "(" + any.parts().stream().map(PolicyText::nested).collect(Collectors.joining(" or ")) + ")";
        }
        if (e instanceof Expr.ExactlyOne one) return group("exactly-one", one.parts());
        if (e instanceof Expr.OneOrMore more) return group("one-or-more", more.parts());
        if (e instanceof Expr.Optional opt) return "optional " + nested(opt.part());
        if (e instanceof Expr.Requires r) return "(" + nested(r.left()) + " requires " + nested(r.right()) + ")";
        if (e instanceof Expr.Conflicts r) return "(" + nested(r.left()) + " conflicts " + nested(r.right()) + ")";
        Expr.If i = (Expr.If) e;
        return "(if " + nested(i.condition()) + " then " + nested(i.then())
                + (i.otherwise() == null ? "" : " else " + nested(i.otherwise())) + ")";
    }

    private static String nested(Expr e) {
        String s = expr(e);
        boolean atomic = e instanceof Expr.On || e instanceof Expr.Const || e instanceof Expr.Cmp
                || e instanceof Expr.Input || e instanceof Expr.Not || e instanceof Expr.All
                || e instanceof Expr.ExactlyOne || e instanceof Expr.OneOrMore
                || s.startsWith("(") && s.endsWith(")") && balanced(s);
        return atomic ? s : "(" + s + ")";
    }

    /** Whether the outer parentheses of s enclose all of it. */
    private static boolean balanced(String s) {
        int depth = 0;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '(') depth++;
            else if (s.charAt(i) == ')' && --depth == 0 && i < s.length() - 1) return false;
        }
        return true;
    }

    private static String group(String keyword, List<Expr> parts) {
        if (parts.isEmpty()) return keyword + " { }";
        return keyword + " { " + parts.stream().map(PolicyText::expr).collect(Collectors.joining("; ")) + " }";
    }

    private static String number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v)
                : BigDecimal.valueOf(v).toPlainString();
    }

    /** {@code name=value, ...} for run-time inputs, in name order. */
    public static String inputs(Map<String, Double> inputs) {
        return new TreeMap<>(inputs).entrySet().stream().map(e -> e.getKey() + "=" + number(e.getValue()))
                .collect(Collectors.joining(", "));
    }
}
