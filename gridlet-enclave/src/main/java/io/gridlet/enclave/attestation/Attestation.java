package io.gridlet.enclave.attestation;

import java.nio.BufferUnderflowException;
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

    /** The whole attestation, signature included: {@link #signedBytes} then {@code int n, n signature bytes}. */
    public byte[] encode() {
        byte[] signed = signedBytes();
        return ByteBuffer.allocate(4 + signed.length + 4 + signature.length).putInt(signed.length).put(signed)
                .putInt(signature.length).put(signature).array();
    }

    /** Reads {@link #encode}'s form; anything else is an IllegalArgumentException (never a partial attestation). */
    public static Attestation decode(byte[] bytes) {
        try {
            ByteBuffer in = ByteBuffer.wrap(bytes);
            ByteBuffer signed = ByteBuffer.wrap(field(in, 1 << 16));
            String kind = new String(field(signed, 256), StandardCharsets.UTF_8);
            byte[] measurement = field(signed, 64);
            byte[] nonce = field(signed, 64);
            long issued = signed.getLong();
            byte[] runtimeKey = field(signed, 1024);
            String signer = new String(field(signed, 256), StandardCharsets.UTF_8);
            byte[] signature = field(in, 1024);
            if (in.hasRemaining() || signed.hasRemaining()) throw new IllegalArgumentException("trailing bytes");
            return new Attestation(kind, measurement, nonce, issued, runtimeKey, signer, signature);
        } catch (BufferUnderflowException | NegativeArraySizeException e) {
            throw new IllegalArgumentException("a truncated attestation");
        }
    }

    /** {@code int n, n bytes} with {@code 0 <= n <= max}. */
    static byte[] field(ByteBuffer in, int max) {
        int n = in.getInt();
        if (n < 0 || n > max || n > in.remaining()) throw new IllegalArgumentException("a field of " + n + " bytes");
        byte[] b = new byte[n];
        in.get(b);
        return b;
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
