package io.gridlet.policy;

/** A policy that cannot be read or used, with where in its source, when known. */
public class PolicyException extends RuntimeException {
    private final String source;
    private final Position at;

    public PolicyException(String source, Position at, String message) {
        super((source == null ? "" : source + ":") + (at == null || at == Position.NONE ? "" : at + ": ") + message);
        this.source = source;
        this.at = at == null ? Position.NONE : at;
    }

    public String source() {
        return source;
    }

    public Position at() {
        return at;
    }
}
