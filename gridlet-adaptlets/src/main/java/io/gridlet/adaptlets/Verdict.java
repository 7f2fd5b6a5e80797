package io.gridlet.adaptlets;

import io.grpc.Status;

/**
 * What a server advice decides about a call: go on, refuse it, or answer it with a challenge that the client half
 * of the same adaptlet answers before retrying (the challenge's data goes into the trailers through
 * {@link ServerScope#put}). Refusals and challenges name an outcome, counted per adaptlet. A refusal for being over
 * one of the {@link AdmissionLimits} ({@link #overLimit}) is also counted by its limit and tells the client when
 * to retry.
 */
public final class Verdict {
    public static final Verdict PROCEED = new Verdict(Kind.PROCEED, Status.OK, "accepted");

    public enum Kind { PROCEED, REJECT, CHALLENGE }

    private final Kind kind;
    private final Status status;
    private final String outcome;
    private final OverLimit overLimit;

    private Verdict(Kind kind, Status status, String outcome, OverLimit overLimit) {
        this.kind = kind;
        this.status = status;
        this.outcome = outcome;
        this.overLimit = overLimit;
    }

    private Verdict(Kind kind, Status status, String outcome) {
        this(kind, status, outcome, null);
    }

    /** Let the call in, counted under {@code outcome} instead of {@code accepted}. */
    public static Verdict proceed(String outcome) {
        return new Verdict(Kind.PROCEED, Status.OK, outcome);
    }

    /** Refuse the call with this status; {@code outcome} is the counter's label ({@code replayed-nonce}). */
    public static Verdict reject(Status status, String outcome) {
        if (status.isOk()) throw new IllegalArgumentException("a refusal needs an error status");
        return new Verdict(Kind.REJECT, status, outcome);
    }

    /** Refuse the call for being over a limit (RESOURCE_EXHAUSTED, outcome {@code over-limit}). */
    public static Verdict overLimit(OverLimit why) {
        return new Verdict(Kind.REJECT, why.status(), "over-limit", why);
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

    /** The limit a refusal is for, or null. */
    public OverLimit overLimit() {
        return overLimit;
    }

    @Override
    public String toString() {
        return kind == Kind.PROCEED ? "proceed" : kind.name().toLowerCase() + " " + status.getCode() + " ("
                + outcome + "): " + status.getDescription();
    }
}
