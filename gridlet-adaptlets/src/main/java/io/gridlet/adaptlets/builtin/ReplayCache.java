package io.gridlet.adaptlets.builtin;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Remembers 128-bit one-time values (nonces, spent puzzles' salts) until they expire, so a second use is seen.
 * Values live in generations by expiry time (one per {@code slotMillis}, in a small ring); a generation whose
 * values have all expired is emptied whole. Each generation is an open-addressing table of longs, so a value costs
 * 16 bytes and no object: hundreds of thousands of live values do not burden the garbage collector.
 *
 * <p>Bounded, and never by forgetting a live value (that would let a replay through): each value belongs to an
 * owner (the identity that used it), and an owner holding its share of live values is refused new ones
 * ({@link Use#OWNER_FULL}) until some of its own expire, so that one identity cannot take the others' room; when
 * the whole cache is full, new values are refused ({@link Use#FULL}). Thread-safe (one lock: each use is a few
 * hundred nanoseconds).
 */
final class ReplayCache {
    enum Use { FIRST, REPLAY, FULL, OWNER_FULL }

    private static final int RING = 8;

    private final int capacity;
    private final long slotMillis;
    private final Generation[] ring = new Generation[RING];
    private final Map<String, Integer> perOwner = new HashMap<>(); // live values per owner; no entry when none
    private int size;

    /** @param slotMillis a quarter of the longest lifetime a value has, or less (the ring holds 8 slots) */
    ReplayCache(int capacity, long slotMillis) {
        this.capacity = capacity;
        this.slotMillis = slotMillis;
    }

    /** Records the value as used until {@code expiresAtMillis}, with no owner's share to respect. */
    Use use(long high, long low, long expiresAtMillis, long nowMillis) {
        return use("", Integer.MAX_VALUE, high, low, expiresAtMillis, nowMillis);
    }

    /**
     * Records the value as {@code owner}'s, used until {@code expiresAtMillis}, if the owner holds fewer than
     * {@code share} live values; says whether it had been used before (by anyone).
     */
    synchronized Use use(String owner, int share, long high, long low, long expiresAtMillis, long nowMillis) {
        long current = Math.floorDiv(nowMillis, slotMillis);
        long slot = Math.max(current, Math.floorDiv(expiresAtMillis, slotMillis));
        if (slot - current >= RING - 1) {
            throw new IllegalArgumentException("a value living " + (expiresAtMillis - nowMillis)
                    + " ms is too long for slots of " + slotMillis + " ms");
        }
        for (Generation g : ring) {
            if (g == null || g.size == 0) continue;
            if (g.slot < current) { // all its values expired
                size -= g.size;
                g.owners.forEach((o, n) -> perOwner.computeIfPresent(o, (k, held) -> held > n ? held - n : null));
                g.clear();
            } else if (g.contains(high, low)) {
                return Use.REPLAY;
            }
        }
        if (size >= capacity) return Use.FULL;
        if (perOwner.getOrDefault(owner, 0) >= share) return Use.OWNER_FULL;
        int at = (int) Math.floorMod(slot, (long) RING);
        Generation g = ring[at];
        if (g == null) ring[at] = g = new Generation();
        if (g.size == 0) g.slot = slot;
        g.add(high, low);
        g.owners.merge(owner, 1, Integer::sum);
        perOwner.merge(owner, 1, Integer::sum);
        size++;
        return Use.FIRST;
    }

    synchronized int size() {
        return size;
    }

    /** The live values {@code owner} holds (some may have expired and not been emptied yet). */
    synchronized int size(String owner) {
        return perOwner.getOrDefault(owner, 0);
    }

    /** How long until some of {@code owner}'s values expire and make room for it (at least 1 ms). */
    synchronized long millisUntilRoom(String owner, long nowMillis) {
        long first = Long.MAX_VALUE;
        for (Generation g : ring) {
            if (g != null && g.size > 0 && g.owners.containsKey(owner)) first = Math.min(first, g.slot);
        }
        if (first == Long.MAX_VALUE) return 1;
        return Math.max(1, (first + 1) * slotMillis - nowMillis); // a generation empties once its slot is past
    }

    /** A set of (high, low) pairs with linear probing; (0, 0) marks an empty cell and is stored aside. */
    private static final class Generation {
        long slot;
        int size;
        final Map<String, Integer> owners = new HashMap<>(); // values per owner in this generation
        private long[] cells = new long[2 * 1024];
        private boolean zero;

        boolean contains(long high, long low) {
            if (high == 0 && low == 0) return zero;
            int mask = cells.length / 2 - 1;
            for (int i = index(high, low, mask); ; i = (i + 1) & mask) {
                long h = cells[2 * i];
                long l = cells[2 * i + 1];
                if (h == 0 && l == 0) return false;
                if (h == high && l == low) return true;
            }
        }

        void add(long high, long low) {
            size++;
            if (high == 0 && low == 0) {
                zero = true;
                return;
            }
            if (size * 2 > cells.length / 2) grow();
            put(cells, high, low);
        }

        private static void put(long[] cells, long high, long low) {
            int mask = cells.length / 2 - 1;
            int i = index(high, low, mask);
            while (cells[2 * i] != 0 || cells[2 * i + 1] != 0) i = (i + 1) & mask;
            cells[2 * i] = high;
            cells[2 * i + 1] = low;
        }

        private void grow() {
            long[] bigger = new long[cells.length * 2];
            for (int i = 0; i < cells.length; i += 2) {
                if (cells[i] != 0 || cells[i + 1] != 0) put(bigger, cells[i], cells[i + 1]);
            }
            cells = bigger;
        }

        void clear() {
            Arrays.fill(cells, 0);
            zero = false;
            size = 0;
            owners.clear();
        }

        private static int index(long high, long low, int mask) {
            long x = high * 0x9E3779B97F4A7C15L ^ low;
            x ^= x >>> 31;
            return (int) x & mask;
        }
    }
}
