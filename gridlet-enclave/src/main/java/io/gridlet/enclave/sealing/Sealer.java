package io.gridlet.enclave.sealing;

import io.gridlet.core.model.Measurement;
import io.gridlet.enclave.keys.KeyRing;
import io.gridlet.enclave.keys.Pseudonyms;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.SecretKey;

/**
 * Seals and opens readings: AES-256-GCM under the ring's current data key, a fresh random 96-bit nonce per
 * reading, the clear fields (version, key id, pseudonyms, timestamp) as associated data. Opening checks the key
 * id, the tag (so any change to the ciphertext or the clear fields, or the wrong key, is refused) and that the
 * clear fields are the reading's own.
 *
 * <p>Random nonces are safe for at most 2^32 seals under one key (NIST SP 800-38D); the sealer counts and refuses
 * beyond that, asking for a rotation. (At the DEBS rate of 4,000 readings a second that is 12 days per key.)
 */
public final class Sealer {
    /** Seals allowed under one key with random nonces. */
    public static final long MAX_SEALS_PER_KEY = 1L << 32;

    private final KeyRing keys;
    private final Pseudonyms pseudonyms;
    private final ConcurrentHashMap<Integer, AtomicLong> sealed = new ConcurrentHashMap<>();

    public Sealer(KeyRing keys, Pseudonyms pseudonyms) {
        this.keys = keys;
        this.pseudonyms = pseudonyms;
    }

    public SealedReading seal(Measurement m) {
        int keyId = keys.currentId();
        SecretKey key = keys.key(keyId);
        if (sealed.computeIfAbsent(keyId, k -> new AtomicLong()).incrementAndGet() > MAX_SEALS_PER_KEY) {
            throw new IllegalStateException("key " + keyId + " sealed 2^32 readings: rotate the key ring");
        }
        long house = pseudonyms.house(m.houseId());
        long household = pseudonyms.household(m.houseId(), m.householdId());
        byte[] nonce = Aead.nonce();
        ByteArrayOutputStream plain = new ByteArrayOutputStream(Measurement.BINARY_LENGTH);
        try (DataOutputStream out = new DataOutputStream(plain)) {
            m.writeTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new SealedReading(keyId, house, household, m.timestamp(), nonce,
                Aead.seal(key, nonce, aad(keyId, house, household, m.timestamp()), plain.toByteArray()));
    }

    /**
     * The reading inside.
     *
     * @throws SealException with the reason when it does not open
     */
    public Measurement open(SealedReading s) {
        SecretKey key = keys.key(s.keyId());
        if (key == null) {
            throw new SealException(SealException.Reason.UNKNOWN_KEY, "sealed under key " + s.keyId()
                    + ", which this key ring does not have");
        }
        byte[] plain = Aead.open(key, s.nonce(), aad(s.keyId(), s.house(), s.household(), s.timestamp()),
                s.ciphertext());
        Measurement m;
        try {
            m = Measurement.readFrom(new DataInputStream(new ByteArrayInputStream(plain)));
        } catch (IOException | IllegalArgumentException e) {
            throw new SealException(SealException.Reason.MALFORMED, "the sealed reading is not a reading");
        }
        if (m.timestamp() != s.timestamp() || pseudonyms.house(m.houseId()) != s.house()
                || pseudonyms.household(m.houseId(), m.householdId()) != s.household()) {
            throw new SealException(SealException.Reason.MISROUTED, "the clear fields are not the reading's own");
        }
        return m;
    }

    private static byte[] aad(int keyId, long house, long household, long timestamp) {
        return ByteBuffer.allocate(2 + 3 * Long.BYTES).put(SealedReading.VERSION).put((byte) keyId).putLong(house)
                .putLong(household).putLong(timestamp).array();
    }
}
