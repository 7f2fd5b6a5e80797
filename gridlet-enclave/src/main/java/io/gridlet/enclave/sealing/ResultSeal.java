package io.gridlet.enclave.sealing;

import javax.crypto.SecretKey;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A result line sealed for whoever may read its house's results: AES-256-GCM under the house's result key, a fresh
 * random nonce; in the clear, covered by the tag, the house's pseudonym (which key opens it, without naming the
 * house) and, as associated data only, the output file it belongs to (moved to another file, it does not open).
 * Layout: version (2), house pseudonym (8), nonce (12), ciphertext and tag.
 */
public final class ResultSeal {
    public static final byte VERSION = 2;
    private static final int HEADER = 1 + Long.BYTES + SealedReading.NONCE_BYTES;

    private ResultSeal() {
    }

    public static byte[] seal(SecretKey houseKey, long pseudonym, String file, byte[] line) {
        byte[] nonce = Aead.nonce();
        byte[] ct = Aead.seal(houseKey, nonce, aad(pseudonym, file), line);
        return ByteBuffer.allocate(HEADER + ct.length).put(VERSION).putLong(pseudonym).put(nonce).put(ct).array();
    }

    /** The house pseudonym of a sealed result (which key opens it); MALFORMED if the bytes are not one. */
    public static long pseudonym(byte[] sealed) {
        if (sealed.length < HEADER + SealedReading.TAG_BYTES || sealed[0] != VERSION) {
            throw new SealException(SealException.Reason.MALFORMED, "not a sealed result of this version");
        }
        return ByteBuffer.wrap(sealed, 1, Long.BYTES).getLong();
    }

    /** @throws SealException MALFORMED, TAMPERED (also: another file, another house's key) */
    public static byte[] open(SecretKey houseKey, String file, byte[] sealed) {
        long pseudonym = pseudonym(sealed);
        byte[] nonce = new byte[SealedReading.NONCE_BYTES];
        System.arraycopy(sealed, 1 + Long.BYTES, nonce, 0, nonce.length);
        byte[] ct = new byte[sealed.length - HEADER];
        System.arraycopy(sealed, HEADER, ct, 0, ct.length);
        return Aead.open(houseKey, nonce, aad(pseudonym, file), ct);
    }

    private static byte[] aad(long pseudonym, String file) {
        byte[] f = file.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(1 + Long.BYTES + f.length).put(VERSION).putLong(pseudonym).put(f).array();
    }
}
