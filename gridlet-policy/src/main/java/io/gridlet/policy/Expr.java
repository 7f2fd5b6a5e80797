package io.gridlet.policy;

import java.util.List;

/**
 * A policy's constraints as a formula over the features (on or off), their parameters and the run-time inputs.
 * The meaning of each form is {@link Semantics#holds}; the SAT encoding must agree with it (tested by brute force).
 */
public sealed interface Expr {
    Position at();

    /** The feature is used. */
    record On(String feature, Position at) implements Expr {
    }

    /**
     * The feature is used and its parameter compares so with {@code value}: a {@link Value} for an integer or real
     * parameter (a constant, or computed from run-time inputs), an enum name (String) or a Boolean otherwise;
     * {@code upper} is set for {@code in [value, upper]} (numbers only), with {@code op} {@code GE}. An Integer or
     * Double given for a number is taken as a constant {@link Value.Num}.
     */
    record Cmp(String feature, String param, Op op, Object value, Object upper, Position at) implements Expr {
        public Cmp {
            value = number(value);
            upper = number(upper);
        }

        private static Object number(Object v) {
            return v instanceof Number n ? new Value.Num(n.doubleValue()) : v;
        }

        public boolean isRange() {
            return upper != null;
        }

        /** Whether the compared value is computed from run-time inputs (it differs between sessions). */
        public boolean readsInputs() {
            return value instanceof Value v && !v.isConstant() || upper instanceof Value u && !u.isConstant();
        }
    }

    /**
     * A comparison of two values that depend on run-time inputs and constants only ({@code cpu > 0.8},
     * {@code queued / workers >= 4}): the same for every configuration, fixed per session.
     */
    record Input(Value left, Op op, Value right, Position at) implements Expr {
        /** {@code name op value}. */
        public Input(String name, Op op, double value, Position at) {
            this(new Value.In(name), op, new Value.Num(value), at);
        }

        public boolean holds(java.util.Map<String, Double> inputs) {
            return op.test(left.eval(inputs), right.eval(inputs));
        }

        /** The comparison as written, {@code cpu * 2 > 1.5}: equal text, equal meaning. */
        public String text() {
            return left + " " + op.symbol + " " + right;
        }
    }

    record Const(boolean value, Position at) implements Expr {
    }

    record Not(Expr operand, Position at) implements Expr {
    }

    /** Every part holds (WS-Policy's All). */
    record All(List<Expr> parts, Position at) implements Expr {
        public All {
            parts = List.copyOf(parts);
        }
    }

    /** At least one part holds. */
    record Any(List<Expr> parts, Position at) implements Expr {
        public Any {
            parts = List.copyOf(parts);
        }
    }

    /** Exactly one part holds (WS-Policy's ExactlyOne). */
    record ExactlyOne(List<Expr> parts, Position at) implements Expr {
        public ExactlyOne {
            parts = List.copyOf(parts);
        }
    }

    /** At least one part holds, written as a group of alternatives. */
    record OneOrMore(List<Expr> parts, Position at) implements Expr {
        public OneOrMore {
            parts = List.copyOf(parts);
        }
    }

    /** The part holds, or none of the features it mentions is used (WS-Policy's Optional). */
    record Optional(Expr part, Position at) implements Expr {
    }

    /** {@code left requires right}: if the left holds, so does the right. */
    record Requires(Expr left, Expr right, Position at) implements Expr {
    }

    /** {@code left conflicts right}: not both. */
    record Conflicts(Expr left, Expr right, Position at) implements Expr {
    }

    /** {@code if condition then then [else otherwise]}; without else, nothing is asked when the condition fails. */
    record If(Expr condition, Expr then, Expr otherwise, Position at) implements Expr {
    }
}
