package io.gridlet.enclave.sealing;

/** A sealed value that does not open: why, for the counters and the log (never the plaintext). */
public final class SealException extends RuntimeException {
    public enum Reason {
        /** Not a sealed value of this format. */
        MALFORMED,
        /** Sealed under a key this ring does not have (retired, or another deployment's). */
        UNKNOWN_KEY,
        /** The authentication tag does not verify: ciphertext or clear fields changed, or the wrong key. */
        TAMPERED,
        /** Opens, but its clear routing fields are not those of the reading inside (a producer's mistake). */
        MISROUTED,
        /** Opens, but is of a house the meter that sealed it may not report for. */
        NOT_OWNED
    }

    private final Reason reason;

    public SealException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
