package io.gridlet.adaptlets.builtin;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;

/** HMAC-SHA256 with one {@link Mac} per thread (a Mac is not thread-safe; making one per call costs more). */
final class Hmac {
    private static final ThreadLocal<Mac> MAC = ThreadLocal.withInitial(() -> {
        try {
            return Mac.getInstance("HmacSHA256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    });
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    });

    private Hmac() {
    }

    /** A Mac keyed with this secret, ready for update/doFinal on this thread. */
    static Mac keyed(SecretKeySpec key) {
        return keyed(key, false);
    }

    /** With {@code own}, a new Mac for the caller to keep (per thread) instead of this thread's shared one. */
    static Mac keyed(SecretKeySpec key, boolean own) {
        Mac mac;
        try {
            mac = own ? Mac.getInstance("HmacSHA256") : MAC.get();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        try {
            mac.init(key);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        return mac;
    }

    static SecretKeySpec key(byte[] secret) {
        if (secret.length < 16) throw new IllegalArgumentException("a secret of at least 16 bytes");
        return new SecretKeySpec(secret, "HmacSHA256");
    }

    static MessageDigest sha256() {
        MessageDigest md = SHA256.get();
        md.reset();
        return md;
    }

    /** Leading zero bits of a hash. */
    static int leadingZeroBits(byte[] hash) {
        int bits = 0;
        for (byte b : hash) {
            if (b == 0) {
                bits += 8;
                continue;
            }
            return bits + Integer.numberOfLeadingZeros(b & 0xff) - 24;
        }
        return bits;
    }
}
