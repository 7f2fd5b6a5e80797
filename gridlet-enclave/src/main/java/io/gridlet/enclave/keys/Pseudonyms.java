package io.gridlet.enclave.keys;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.util.concurrent.ConcurrentHashMap;
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
    /** Pseudonyms already computed: every reading is routed by one, and a fleet has few houses and households. */
    private final ConcurrentHashMap<IdKey, Long> cache = new ConcurrentHashMap<>();
    private static final int CACHE_LIMIT = 1 << 20;

    private record IdKey(int field, long house, long household, long plug) {
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
        IdKey id = new IdKey(field.ordinal(), house, field == Field.HOUSE ? 0 : household,
                field == Field.PLUG ? plug : 0);
        Long known = cache.get(id);
        if (known != null) return known;
        long p = compute(field, house, household, plug);
        if (cache.size() < CACHE_LIMIT) cache.put(id, p);
        return p;
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
