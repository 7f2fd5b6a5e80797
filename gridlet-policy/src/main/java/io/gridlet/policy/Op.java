package io.gridlet.policy;

/** A comparison of a parameter or a run-time input with a constant. */
public enum Op {
    EQ("=="), NE("!="), LT("<"), LE("<="), GT(">"), GE(">=");

    public final String symbol;

    Op(String symbol) {
        this.symbol = symbol;
    }

    public boolean test(double left, double right) {
        return switch (this) {
            case EQ -> left == right;
            case NE -> left != right;
            case LT -> left < right;
            case LE -> left <= right;
            case GT -> left > right;
            case GE -> left >= right;
        };
    }
}
