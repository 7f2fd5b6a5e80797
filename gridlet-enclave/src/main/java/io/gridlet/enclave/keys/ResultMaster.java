package io.gridlet.enclave.keys;

import io.gridlet.enclave.sealing.ResultSeal;

import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every house's result key, derived from the owner's results master key: a house's result tag is the first 8 bytes
 * of HMAC-SHA256(master, "gridlet result tag v1" || house) (not the routing pseudonym: result lines cannot be linked
 * to the groups the platform routes readings by), its key HMAC-SHA256(master, "gridlet result key v1" || tag). The
 * runtime seals each result line under its house's key, the tag in the clear; the owner opens any; {@code gridlet
 * keys analyst} hands an analyst the tags and keys of its houses only.
 */
public final class ResultMaster implements ResultKeys {
    private static final byte[] LABEL = "gridlet result key v1 ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TAG = "gridlet result tag v1 ".getBytes(StandardCharsets.US_ASCII);
    private static final int CACHE_LIMIT = 1 << 20;

    private final SecretKeySpec master;
    private final ConcurrentHashMap<Long, Long> tags = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Long, SecretKey> keys = new ConcurrentHashMap<>();

    public ResultMaster(byte[] master) {
        if (master.length != 32) throw new IllegalArgumentException("a results master key of 32 bytes");
        this.master = new SecretKeySpec(master.clone(), "HmacSHA256");
    }

    /** The house's result tag, as sealed lines carry it (the pseudonym {@link #forPseudonym} takes). */
    public long pseudonym(long house) {
        Long known = tags.get(house);
        if (known != null) return known;
        long tag = ByteBuffer.wrap(hmac(TAG, house)).getLong();
        if (tag == ResultSeal.TRAILER) tag = 1; // (probability 2^-64) never a trailer's
        if (tags.size() < CACHE_LIMIT) tags.put(house, tag);
        return tag;
    }

    @Override
    public SecretKey forPseudonym(long pseudonym) {
        SecretKey known = keys.get(pseudonym);
        if (known != null) return known;
        SecretKey key = derive(pseudonym);
        if (keys.size() < CACHE_LIMIT) keys.put(pseudonym, key);
        return key;
    }

    /** A result line of house {@code house}, line {@code seq} of part {@code part} of {@code file} in {@code run}. */
    public byte[] seal(byte[] line, String run, String file, long house, long part, long seq) {
        long p = pseudonym(house);
        return ResultSeal.seal(forPseudonym(p), p, run, file, part, seq, line);
    }

    /** A part's trailer: {@code lines} lines were written in it (only the owner's keys open it). */
    public byte[] trailer(String run, String file, long part, long lines) {
        return ResultSeal.seal(forPseudonym(ResultSeal.TRAILER), ResultSeal.TRAILER, run, file, part, lines,
                ("end " + lines).getBytes(StandardCharsets.US_ASCII));
    }

    private SecretKey derive(long pseudonym) {
        return new SecretKeySpec(hmac(LABEL, pseudonym), "AES");
    }

    private byte[] hmac(byte[] label, long value) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(master);
            mac.update(label);
            return mac.doFinal(ByteBuffer.allocate(Long.BYTES).putLong(value).array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no HmacSHA256 in this JDK", e);
        }
    }
}
