package io.gridlet.enclave;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Evidence a {@link TrustedRuntime} gives a key broker: which kind of runtime, the measurement of the code it will
 * run (SHA-256), the broker's nonce (freshness), when, and the runtime's public key that released keys are to be
 * encrypted to, all signed by the runtime's attestation signer (for hardware backends a key rooted in the CPU
 * vendor's certificates; for the software backend a key the deployment configured, which proves nothing about
 * isolation).
 */
public record Attestation(String kind, byte[] measurement, byte[] nonce, long issuedAtMillis, byte[] runtimeKey,
                          String signer, byte[] signature) {
    /** The bytes the signature covers. */
    public byte[] signedBytes() {
        byte[] k = kind.getBytes(StandardCharsets.UTF_8);
        byte[] s = signer.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(4 * 5 + k.length + measurement.length + nonce.length + 8 + runtimeKey.length
                        + s.length)
                .putInt(k.length).put(k).putInt(measurement.length).put(measurement).putInt(nonce.length).put(nonce)
                .putLong(issuedAtMillis).putInt(runtimeKey.length).put(runtimeKey).putInt(s.length).put(s).array();
    }

    public String measurementHex() {
        return HexFormat.of().formatHex(measurement);
    }

    public Attestation withSignature(byte[] newSignature) {
        return new Attestation(kind, measurement, nonce, issuedAtMillis, runtimeKey, signer, newSignature);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Attestation a && kind.equals(a.kind) && Arrays.equals(measurement, a.measurement)
                && Arrays.equals(nonce, a.nonce) && issuedAtMillis == a.issuedAtMillis
                && Arrays.equals(runtimeKey, a.runtimeKey) && signer.equals(a.signer)
                && Arrays.equals(signature, a.signature);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(signature);
    }

    @Override
    public String toString() {
        return "Attestation[" + kind + ", measurement " + measurementHex() + ", signer " + signer + "]";
    }
}
