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
 * Every house's result key, derived from the owner's results master key: HMAC-SHA256(master, "gridlet result key
 * v1" || the house's pseudonym). The runtime seals each result line under its house's key; the owner opens any;
 * {@code gridlet keys analyst} hands an analyst the keys of its houses only.
 */
public final class ResultMaster implements ResultKeys {
    private static final byte[] LABEL = "gridlet result key v1 ".getBytes(StandardCharsets.US_ASCII);
    private static final int CACHE_LIMIT = 1 << 20;

    private final SecretKeySpec master;
    private final Pseudonyms routing;
    private final ConcurrentHashMap<Long, SecretKey> keys = new ConcurrentHashMap<>();

    public ResultMaster(byte[] master, Pseudonyms routing) {
        if (master.length != 32) throw new IllegalArgumentException("a results master key of 32 bytes");
        this.master = new SecretKeySpec(master.clone(), "HmacSHA256");
        this.routing = routing;
    }

    /** The house's pseudonym, as sealed lines carry it. */
    public long pseudonym(long house) {
        return routing.house(house);
    }

    @Override
    public SecretKey forPseudonym(long pseudonym) {
        SecretKey known = keys.get(pseudonym);
        if (known != null) return known;
        SecretKey key = derive(pseudonym);
        if (keys.size() < CACHE_LIMIT) keys.put(pseudonym, key);
        return key;
    }

    /** A result line of house {@code house} in output file {@code file}, sealed. */
    public byte[] seal(byte[] line, String file, long house) {
        long p = pseudonym(house);
        return ResultSeal.seal(forPseudonym(p), p, file, line);
    }

    private SecretKey derive(long pseudonym) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(master);
            mac.update(LABEL);
            return new SecretKeySpec(mac.doFinal(ByteBuffer.allocate(Long.BYTES).putLong(pseudonym).array()), "AES");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no HmacSHA256 in this JDK", e);
        }
    }
}
