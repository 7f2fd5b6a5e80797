package io.gridlet.enclave.attestation;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;

/**
 * Data keys released to one runtime: the broker's ephemeral ECDH public key (P-256, X.509 encoding), and the key
 * material (key id and 32 bytes per key) sealed with AES-256-GCM under a key derived (HKDF-SHA256) from the ECDH
 * secret between that ephemeral key and the runtime's key from its attestation.
 */
public record ReleasedKeys(byte[] brokerKey, byte[] nonce, byte[] sealedKeys) {
    /** {@code int n, n bytes} for each of the three, in order. */
    public byte[] encode() {
        return ByteBuffer.allocate(12 + brokerKey.length + nonce.length + sealedKeys.length)
                .putInt(brokerKey.length).put(brokerKey).putInt(nonce.length).put(nonce)
                .putInt(sealedKeys.length).put(sealedKeys).array();
    }

    public static ReleasedKeys decode(byte[] bytes) {
        try {
            ByteBuffer in = ByteBuffer.wrap(bytes);
            ReleasedKeys r = new ReleasedKeys(Attestation.field(in, 1024), Attestation.field(in, 64),
                    Attestation.field(in, 1 << 16));
            if (in.hasRemaining()) throw new IllegalArgumentException("trailing bytes");
            return r;
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("truncated released keys");
        }
    }
}
