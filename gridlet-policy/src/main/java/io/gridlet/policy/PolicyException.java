package io.gridlet.policy;

/**
 * A policy that cannot be read or used, with where in its source, when known, and what kind of problem it is:
 * {@link Kind#INVALID} (the policy is wrong) or {@link Kind#LIMIT} (it is over a bound of {@link CompileBudget}:
 * too large, too deep, or too slow to compile or resolve).
 */
public class PolicyException extends RuntimeException {
    /** Why a policy is refused. */
    public enum Kind { INVALID, LIMIT }

    private final Kind kind;
    private final String source;
    private final Position at;

    public PolicyException(String source, Position at, String message) {
        this(Kind.INVALID, source, at, message);
    }

    public PolicyException(Kind kind, String source, Position at, String message) {
        super((source == null ? "" : source + ":") + (at == null || at == Position.NONE ? "" : at + ": ") + message);
        this.kind = kind;
        this.source = source;
        this.at = at == null ? Position.NONE : at;
    }

    /** A policy over a bound; the message names the bound and its value. */
    public static PolicyException limit(String source, Position at, String message) {
        return new PolicyException(Kind.LIMIT, source, at, message);
    }

    public Kind kind() {
        return kind;
    }

    public String source() {
        return source;
    }

    public Position at() {
        return at;
    }
}
