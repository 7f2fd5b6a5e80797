package io.gridlet.adaptlets;

import io.grpc.Status;

/**
 * What a server advice decides about a call: go on, refuse it, or answer it with a challenge that the client half
 * of the same adaptlet answers before retrying (the challenge's data goes into the trailers through
 * {@link ServerScope#put}). Refusals and challenges name an outcome, counted per adaptlet.
 */
public final class Verdict {
    public static final Verdict PROCEED = new Verdict(Kind.PROCEED, Status.OK, "accepted");

    public enum Kind { PROCEED, REJECT, CHALLENGE }

    private final Kind kind;
    private final Status status;
    private final String outcome;

    private Verdict(Kind kind, Status status, String outcome) {
        this.kind = kind;
        this.status = status;
        this.outcome = outcome;
    }

    /** Refuse the call with this status; {@code outcome} is the counter's label ({@code replayed-nonce}). */
    public static Verdict reject(Status status, String outcome) {
        if (status.isOk()) throw new IllegalArgumentException("a refusal needs an error status");
        return new Verdict(Kind.REJECT, status, outcome);
    }

    /** Answer with a challenge: the client half answers it and the call is retried. */
    public static Verdict challenge(Status status, String outcome) {
        if (status.isOk()) throw new IllegalArgumentException("a challenge needs an error status");
        return new Verdict(Kind.CHALLENGE, status, outcome);
    }

    public Kind kind() {
        return kind;
    }

    public Status status() {
        return status;
    }

    public String outcome() {
        return outcome;
    }

    @Override
    public String toString() {
        return kind == Kind.PROCEED ? "proceed" : kind.name().toLowerCase() + " " + status.getCode() + " ("
                + outcome + "): " + status.getDescription();
    }
}
