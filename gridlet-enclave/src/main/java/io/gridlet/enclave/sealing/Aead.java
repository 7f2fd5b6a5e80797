package io.gridlet.enclave.sealing;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

/** AES-GCM with a fresh random 96-bit nonce, one Cipher and SecureRandom per thread: what every seal here uses. */
final class Aead {
    private static final ThreadLocal<Cipher> CIPHERS = ThreadLocal.withInitial(() -> {
        try {
            return Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    });
    private static final ThreadLocal<SecureRandom> RANDOM = ThreadLocal.withInitial(SecureRandom::new);

    private Aead() {
    }

    static byte[] nonce() {
        byte[] nonce = new byte[SealedBlock.NONCE_BYTES];
        RANDOM.get().nextBytes(nonce);
        return nonce;
    }

    static byte[] seal(SecretKey key, byte[] nonce, byte[] aad, byte[] plain) {
        try {
            Cipher c = CIPHERS.get();
            c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
            c.updateAAD(aad);
            return c.doFinal(plain);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** @throws SealException TAMPERED when the tag does not verify */
    static byte[] open(SecretKey key, byte[] nonce, byte[] aad, byte[] ciphertext) {
        return open(key, nonce, aad, aad.length, ciphertext);
    }

    /** With the associated data the first {@code aadLength} bytes of {@code aad}. */
    static byte[] open(SecretKey key, byte[] nonce, byte[] aad, int aadLength, byte[] ciphertext) {
        try {
            Cipher c = CIPHERS.get();
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, nonce));
            c.updateAAD(aad, 0, aadLength);
            return c.doFinal(ciphertext);
        } catch (AEADBadTagException e) {
            throw new SealException(SealException.Reason.TAMPERED, "the seal does not verify");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
