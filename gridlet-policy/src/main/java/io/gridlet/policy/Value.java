package io.gridlet.policy;

import java.math.BigDecimal;
import java.util.Map;
import java.util.Set;

/**
 * A number computed from constants and run-time inputs: {@code cpu * puzzleMax / 2}, {@code 8 + queued / 16}.
 * Arithmetic is IEEE double: {@code x / 0} is an infinity, {@code 0 / 0} is NaN, and a comparison with NaN is
 * false (but {@code !=}, which is true). An integer parameter compares with a value exactly, except in {@code ==}
 * and {@code !=}, which round it to the nearest integer, halves up ({@link #roundHalfUp}).
 */
public sealed interface Value {
    /** The value with these run-time inputs; an input not given is an error naming it. */
    double eval(Map<String, Double> inputs);

    /** Whether the value reads no run-time input (then it is the same in every session). */
    boolean isConstant();

    /** The run-time inputs it reads, added to {@code out}. */
    void inputs(Set<String> out);

    /** A number. */
    record Num(double value) implements Value {
        @Override
        public double eval(Map<String, Double> inputs) {
            return value;
        }

        @Override
        public boolean isConstant() {
            return true;
        }

        @Override
        public void inputs(Set<String> out) {
        }

        @Override
        public String toString() {
            return number(value);
        }
    }

    /** A run-time input (the server's CPU load, its queue's length ...), by name. */
    record In(String name) implements Value {
        @Override
        public double eval(Map<String, Double> inputs) {
            Double v = inputs.get(name);
            if (v == null) throw new PolicyException(null, Position.NONE, "run-time input '" + name + "' is not given");
            return v;
        }

        @Override
        public boolean isConstant() {
            return false;
        }

        @Override
        public void inputs(Set<String> out) {
            out.add(name);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** {@code left op right}, op one of {@code + - * /}. */
    record Bin(char op, Value left, Value right) implements Value {
        public Bin {
            if ("+-*/".indexOf(op) < 0) throw new IllegalArgumentException("not an arithmetic operator: " + op);
        }

        @Override
        public double eval(Map<String, Double> inputs) {
            double a = left.eval(inputs), b = right.eval(inputs);
            return switch (op) {
                case '+' -> a + b;
                case '-' -> a - b;
                case '*' -> a * b;
                default -> a / b;
            };
        }

        @Override
        public boolean isConstant() {
            return left.isConstant() && right.isConstant();
        }

        @Override
        public void inputs(Set<String> out) {
            left.inputs(out);
            right.inputs(out);
        }

        /**
         * Parenthesised where reading it back needs it: a left operand of lower precedence ({@code (a + b) * c}),
         * a right operand of lower or equal precedence ({@code a - (b - c)}); so the text parses to this tree.
         */
        @Override
        public String toString() {
            boolean leftParens = left instanceof Bin l && precedence(l.op) < precedence(op);
            boolean rightParens = right instanceof Bin r && precedence(r.op) <= precedence(op);
            return (leftParens ? "(" + left + ")" : left.toString()) + " " + op + " "
                    + (rightParens ? "(" + right + ")" : right.toString());
        }

        private static int precedence(char op) {
            return op == '+' || op == '-' ? 1 : 2;
        }
    }

    /** {@code -operand}. */
    record Neg(Value operand) implements Value {
        @Override
        public double eval(Map<String, Double> inputs) {
            return -operand.eval(inputs);
        }

        @Override
        public boolean isConstant() {
            return operand.isConstant();
        }

        @Override
        public void inputs(Set<String> out) {
            operand.inputs(out);
        }

        @Override
        public String toString() {
            return operand instanceof Bin ? "-(" + operand + ")" : "-" + operand;
        }
    }

    /**
     * The integer nearest to {@code v}, halves up ({@code 7.5 -> 8}, {@code -7.5 -> -7}, 0.49999999999999994 ->
     * 0): how a value meets an integer parameter in {@code ==} and {@code !=}. Infinities and NaN stay as they are.
     */
    static double roundHalfUp(double v) {
        if (!Double.isFinite(v)) return v;
        double floor = Math.floor(v);
        return v - floor >= 0.5 ? floor + 1 : floor; // exact: v - floor(v) loses nothing
    }

    /** A number as the policy language writes it: {@code 16}, {@code 0.8}. */
    static String number(double v) {
        if (v == 0 && 1 / v < 0) return "-0"; // -0.0: cpu / -0 is not cpu / 0
        if (v == Math.rint(v) && Math.abs(v) < 1e15) return Long.toString((long) v);
        if (!Double.isFinite(v)) return Double.isNaN(v) ? "(0 / 0)" : v > 0 ? "(1 / 0)" : "(-1 / 0)";
        return BigDecimal.valueOf(v).toPlainString();
    }
}
