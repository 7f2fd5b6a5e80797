package io.gridlet.enclave.sealing;

import javax.crypto.SecretKey;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A result line sealed for whoever may read its house's results: AES-256-GCM under the house's result key, a fresh
 * random nonce. In the clear, covered by the tag: the house's pseudonym (which key opens it, without naming the
 * house), the part it was written in (a random id per part file of the run's sink) and its sequence number in
 * that part (0, 1, ...); as associated data only, the run and the output file it belongs to. So a line moved to
 * another file or run does not open, and a reader sees a line dropped from, repeated in or reordered within a
 * part by the sequence numbers. A part ends with a trailer (pseudonym {@link #TRAILER}, under the owner's key for
 * it) that states how many lines the part holds. Live results, which are no part, have part and sequence 0.
 * Layout: version (3), pseudonym (8), part (8), sequence (8), nonce (12), ciphertext and tag.
 */
public final class ResultSeal {
    public static final byte VERSION = 3;
    /** The pseudonym of a part's trailer: no house has it (a house's is an HMAC; 0 has probability 2^-64). */
    public static final long TRAILER = 0;
    private static final int HEADER = 1 + 3 * Long.BYTES + SealedBlock.NONCE_BYTES;

    private ResultSeal() {
    }

    /** The clear fields of a sealed result: which key opens it, its part and its place in the part. */
    public record Header(long pseudonym, long part, long seq) {
        public boolean isTrailer() {
            return pseudonym == TRAILER;
        }
    }

    public static byte[] seal(SecretKey key, long pseudonym, String run, String file, long part, long seq,
                              byte[] line) {
        byte[] nonce = Aead.nonce();
        Header h = new Header(pseudonym, part, seq);
        byte[] ct = Aead.seal(key, nonce, aad(h, run, file), line);
        return ByteBuffer.allocate(HEADER + ct.length).put(VERSION).putLong(pseudonym).putLong(part).putLong(seq)
                .put(nonce).put(ct).array();
    }

    /** The clear fields of a sealed result; MALFORMED if the bytes are not one. */
    public static Header header(byte[] sealed) {
        if (sealed.length < HEADER + SealedBlock.TAG_BYTES || sealed[0] != VERSION) {
            throw new SealException(SealException.Reason.MALFORMED, "not a sealed result of this version");
        }
        ByteBuffer b = ByteBuffer.wrap(sealed, 1, 3 * Long.BYTES);
        return new Header(b.getLong(), b.getLong(), b.getLong());
    }

    /** @throws SealException MALFORMED, TAMPERED (also: another file or run, another house's key) */
    public static byte[] open(SecretKey key, String run, String file, byte[] sealed) {
        Header h = header(sealed);
        byte[] nonce = new byte[SealedBlock.NONCE_BYTES];
        System.arraycopy(sealed, 1 + 3 * Long.BYTES, nonce, 0, nonce.length);
        byte[] ct = new byte[sealed.length - HEADER];
        System.arraycopy(sealed, HEADER, ct, 0, ct.length);
        return Aead.open(key, nonce, aad(h, run, file), ct);
    }

    private static byte[] aad(Header h, String run, String file) {
        byte[] r = run.getBytes(StandardCharsets.UTF_8);
        byte[] f = file.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(1 + 3 * Long.BYTES + 2 * Integer.BYTES + r.length + f.length).put(VERSION)
                .putLong(h.pseudonym()).putLong(h.part()).putLong(h.seq()).putInt(r.length).put(r)
                .putInt(f.length).put(f).array();
    }
}
