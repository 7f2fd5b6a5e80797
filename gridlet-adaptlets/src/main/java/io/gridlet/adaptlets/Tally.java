package io.gridlet.adaptlets;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts what each key (a peer, an identity) holds now, up to a maximum per key. A key holding nothing has no
 * entry, so the table is as large as the number of current holders. Thread-safe.
 */
final class Tally {
    private final ConcurrentHashMap<String, Integer> counts = new ConcurrentHashMap<>();

    /** Takes one for {@code key} if it holds fewer than {@code max}; says whether it did. */
    boolean tryAcquire(String key, int max) {
        boolean[] taken = {false};
        counts.compute(key, (k, n) -> {
            int held = n == null ? 0 : n;
            if (held >= max) return n;
            taken[0] = true;
            return held + 1;
        });
        return taken[0];
    }

    void release(String key) {
        counts.computeIfPresent(key, (k, n) -> n <= 1 ? null : n - 1);
    }

    int get(String key) {
        return counts.getOrDefault(key, 0);
    }
}
