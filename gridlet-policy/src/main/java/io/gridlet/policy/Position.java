package io.gridlet.policy;

/** Where something is in a policy's source: 1-based line and column. */
public record Position(int line, int column) {
    public static final Position NONE = new Position(0, 0);

    @Override
    public String toString() {
        return line + ":" + column;
    }
}
