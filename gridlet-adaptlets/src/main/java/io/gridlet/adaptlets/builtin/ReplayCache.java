package io.gridlet.adaptlets.builtin;

import java.util.Arrays;

/**
 * Remembers 128-bit one-time values (nonces, spent puzzles' salts) until they expire, so a second use is seen.
 * Values live in generations by expiry time (one per {@code slotMillis}, in a small ring); a generation whose
 * values have all expired is emptied whole. Each generation is an open-addressing table of longs, so a value costs
 * 16 bytes and no object: hundreds of thousands of live values do not burden the garbage collector. Bounded: when
 * full of unexpired values it refuses new ones ({@link Use#FULL}) rather than forgetting some, which would let a
 * replay through. Thread-safe (one lock: each use is a few hundred nanoseconds).
 */
final class ReplayCache {
    enum Use { FIRST, REPLAY, FULL }

    private static final int RING = 8;

    private final int capacity;
    private final long slotMillis;
    private final Generation[] ring = new Generation[RING];
    private int size;

    /** @param slotMillis a quarter of the longest lifetime a value has, or less (the ring holds 8 slots) */
    ReplayCache(int capacity, long slotMillis) {
        this.capacity = capacity;
        this.slotMillis = slotMillis;
    }

    /** Records the value as used until {@code expiresAtMillis}; says whether it had been used before. */
    synchronized Use use(long high, long low, long expiresAtMillis, long nowMillis) {
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
                g.clear();
            } else if (g.contains(high, low)) {
                return Use.REPLAY;
            }
        }
        if (size >= capacity) return Use.FULL;
        int at = (int) Math.floorMod(slot, (long) RING);
        Generation g = ring[at];
        if (g == null) ring[at] = g = new Generation();
        if (g.size == 0) g.slot = slot;
        g.add(high, low);
        size++;
        return Use.FIRST;
    }

    synchronized int size() {
        return size;
    }

    /** A set of (high, low) pairs with linear probing; (0, 0) marks an empty cell and is stored aside. */
    private static final class Generation {
        long slot;
        int size;
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
        }

        private static int index(long high, long low, int mask) {
            long x = high * 0x9E3779B97F4A7C15L ^ low;
            x ^= x >>> 31;
            return (int) x & mask;
        }
    }
}
