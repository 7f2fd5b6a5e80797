package io.gridlet.enclave.keys;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Keyed pseudonyms for the fields the platform routes by: the first 8 bytes of HMAC-SHA256 over a field tag and
 * the id, under a routing key the platform never has. Equal ids give equal pseudonyms (so keyBy groups a house's
 * readings together) and the platform cannot go back from a pseudonym to the id, nor test a guess without the key.
 * Distinct ids collide with probability about n^2 / 2^65 (negligible for any number of meters).
 */
public final class Pseudonyms {
    /** Which id a pseudonym stands for: the same number as house and as plug gives different pseudonyms. */
    public enum Field { HOUSE, HOUSEHOLD, PLUG }

    private final SecretKeySpec key;
    private final ThreadLocal<Mac> macs;
    /**
     * Pseudonyms already computed, direct-mapped by the ids' hash: every reading is routed by one (twice per
     * keyBy), and a fleet has few houses, households and plugs. Entries are immutable, so threads share the table
     * without locks: a reader sees an entry whole or not at all, and a miss computes the HMAC again.
     */
    private final Entry[] known = new Entry[TABLE];
    private static final int TABLE = 1 << 16;

    private record Entry(int field, long house, long household, long plug, long pseudonym) {
    }

    public Pseudonyms(byte[] routingKey) {
        if (routingKey.length < 32) throw new IllegalArgumentException("a routing key of at least 32 bytes");
        this.key = new SecretKeySpec(routingKey.clone(), "HmacSHA256");
        this.macs = ThreadLocal.withInitial(() -> {
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(key);
                return mac;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** The pseudonym of a house, household or plug id (for a plug, the whole path house/household/plug). */
    public long of(Field field, long house, long household, long plug) {
        int f = field.ordinal();
        long hh = field == Field.HOUSE ? 0 : household, p = field == Field.PLUG ? plug : 0;
        long h = (house * 0x9E3779B97F4A7C15L + hh) * 0xC2B2AE3D27D4EB4FL + p * 0x165667B19E3779F9L + f;
        int slot = (int) (h ^ h >>> 29 ^ h >>> 47) & (TABLE - 1);
        Entry e = known[slot];
        if (e != null && e.field() == f && e.house() == house && e.household() == hh && e.plug() == p) {
            return e.pseudonym();
        }
        long pseudonym = compute(field, house, household, plug);
        known[slot] = new Entry(f, house, hh, p, pseudonym);
        return pseudonym;
    }

    private long compute(Field field, long house, long household, long plug) {
        ByteBuffer b = ByteBuffer.allocate(1 + 3 * Long.BYTES).put((byte) field.ordinal()).putLong(house);
        if (field != Field.HOUSE) b.putLong(household);
        if (field == Field.PLUG) b.putLong(plug);
        Mac mac = macs.get();
        mac.update(b.array(), 0, b.position());
        return ByteBuffer.wrap(mac.doFinal()).getLong();
    }

    public long house(long house) {
        return of(Field.HOUSE, house, 0, 0);
    }

    public long household(long house, long household) {
        return of(Field.HOUSEHOLD, house, household, 0);
    }

    public long plug(long house, long household, long plug) {
        return of(Field.PLUG, house, household, plug);
    }
}
