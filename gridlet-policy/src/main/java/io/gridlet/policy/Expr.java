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
     * The feature is used and its parameter compares so with {@code value} (an Integer, an enum name, a Boolean);
     * {@code upper} is set for {@code in [value, upper]} (integers only), with {@code op} {@code GE}.
     */
    record Cmp(String feature, String param, Op op, Object value, Integer upper, Position at) implements Expr {
        public boolean isRange() {
            return upper != null;
        }
    }

    /** A run-time input (server CPU load, queue length ...) compares so with a constant. */
    record Input(String name, Op op, double value, Position at) implements Expr {
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
