package io.gridlet.enclave.keys;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256 data keys by id. New data is sealed under the current key; data sealed under an older key still opens
 * as long as that key is in the ring, so keys rotate without losing what was sealed before ({@link #rotate()}, then
 * {@link #retire} a key once nothing sealed under it is needed). Ids are 1..249 (one byte; the key broker
 * transports other keys under 0 and 250..255) and travel in the clear
 * with each sealed value; a ring holds at most 249 keys.
 */
public final class KeyRing {
    /** The highest key id. */
    public static final int MAX_ID = 249;
    private final TreeMap<Integer, SecretKey> keys = new TreeMap<>();
    private int current;

    private KeyRing() {
    }

    /** A ring with one fresh random key. */
    public static KeyRing generate() {
        KeyRing ring = new KeyRing();
        ring.rotate();
        return ring;
    }

    /** A ring of given keys (id -> 32 bytes); the highest id is current. */
    public static KeyRing of(Map<Integer, byte[]> keys) {
        if (keys.isEmpty()) throw new IllegalArgumentException("a key ring needs at least one key");
        KeyRing ring = new KeyRing();
        keys.forEach((id, bytes) -> ring.add(id, bytes));
        ring.current = ring.keys.lastKey();
        return ring;
    }

    /** Adds a fresh random key and makes it current; returns its id. */
    public synchronized int rotate() {
        int id = keys.isEmpty() ? 1 : keys.lastKey() + 1;
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        add(id, bytes);
        Arrays.fill(bytes, (byte) 0);
        current = id;
        return id;
    }

    /** Removes an old key: what was sealed under it no longer opens. The current key cannot be retired. */
    public synchronized void retire(int id) {
        if (id == current) throw new IllegalArgumentException("key " + id + " is current; rotate first");
        keys.remove(id);
    }

    public synchronized int currentId() {
        return current;
    }

    public synchronized SecretKey current() {
        return keys.get(current);
    }

    /** The key with this id, or null if the ring does not have it (retired, or never had it). */
    public synchronized SecretKey key(int id) {
        return keys.get(id);
    }

    /** Every key's bytes, for the key broker to release to an attested runtime (id -> 32 bytes, copies). */
    public synchronized Map<Integer, byte[]> material() {
        Map<Integer, byte[]> out = new TreeMap<>();
        keys.forEach((id, k) -> out.put(id, k.getEncoded()));
        return out;
    }

    private void add(int id, byte[] bytes) {
        if (id < 1 || id > MAX_ID) throw new IllegalArgumentException("key ids are 1..249, not " + id);
        if (bytes.length != 32) throw new IllegalArgumentException("key " + id + " is not 32 bytes (AES-256)");
        if (keys.containsKey(id)) throw new IllegalArgumentException("two keys with id " + id);
        keys.put(id, new SecretKeySpec(bytes.clone(), "AES"));
    }
}
