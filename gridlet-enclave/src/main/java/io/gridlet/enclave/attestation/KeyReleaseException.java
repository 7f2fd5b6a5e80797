package io.gridlet.enclave.attestation;

/** The key broker refused: why. */
public final class KeyReleaseException extends Exception {
    public enum Reason {
        /** The attestation's signer is not one the broker trusts for that kind of runtime. */
        UNTRUSTED_SIGNER,
        /** The signature does not verify (forged or altered evidence). */
        BAD_SIGNATURE,
        /** The nonce is not one the broker issued, or was used already. */
        UNKNOWN_NONCE,
        /** Issued too long ago (or in the future). */
        EXPIRED,
        /** The code measurement is not on the allowlist. */
        MEASUREMENT_NOT_ALLOWED,
        /** The evidence is not well formed (a key that does not parse). */
        MALFORMED
    }

    private final Reason reason;

    public KeyReleaseException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
