package io.gridlet.enclave.sealing;

import io.gridlet.enclave.keys.KeyRing;

import java.nio.ByteBuffer;
import javax.crypto.SecretKey;

/**
 * Seals bytes that leave trusted memory as state (checkpoints, savepoints, spilled pages): AES-256-GCM under the
 * ring's current key, a fresh nonce each time, a context (which state this is) as associated data so that sealed
 * state cannot be moved to another place unnoticed. The key id travels with the bytes, so state written before a
 * rotation opens afterwards as long as its key is in the ring. Layout: key id (1), nonce (12), ciphertext + tag.
 */
public final class StateCipher {
    private final KeyRing keys;

    public StateCipher(KeyRing keys) {
        this.keys = keys;
    }

    public byte[] seal(byte[] plain, byte[] context) {
        int keyId = keys.currentId();
        byte[] nonce = Aead.nonce();
        byte[] ct = Aead.seal(keys.key(keyId), nonce, aad(keyId, context), plain);
        return ByteBuffer.allocate(1 + nonce.length + ct.length).put((byte) keyId).put(nonce).put(ct).array();
    }

    /** @throws SealException UNKNOWN_KEY, TAMPERED (also: another context), MALFORMED */
    public byte[] open(byte[] sealed, byte[] context) {
        if (sealed.length < 1 + SealedBlock.NONCE_BYTES + SealedBlock.TAG_BYTES) {
            throw new SealException(SealException.Reason.MALFORMED, "sealed state of " + sealed.length + " bytes");
        }
        int keyId = sealed[0] & 0xff;
        SecretKey key = keys.key(keyId);
        if (key == null) {
            throw new SealException(SealException.Reason.UNKNOWN_KEY, "state sealed under key " + keyId
                    + ", which this key ring does not have");
        }
        byte[] nonce = new byte[SealedBlock.NONCE_BYTES];
        System.arraycopy(sealed, 1, nonce, 0, nonce.length);
        byte[] ct = new byte[sealed.length - 1 - nonce.length];
        System.arraycopy(sealed, 1 + nonce.length, ct, 0, ct.length);
        return Aead.open(key, nonce, aad(keyId, context), ct);
    }

    private static byte[] aad(int keyId, byte[] context) {
        return ByteBuffer.allocate(1 + context.length).put((byte) keyId).put(context).array();
    }
}
