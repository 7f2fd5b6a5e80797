package io.gridlet.adaptlets.builtin;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Remembers one-time values (nonces, spent puzzles) until they expire, so a second use is seen. Bounded: when full
 * of unexpired values it refuses new ones ({@link Use#FULL}) rather than forgetting some (which would let a replay
 * through). Expired values are swept when the cache reaches its capacity.
 */
final class ReplayCache {
    enum Use { FIRST, REPLAY, FULL }

    private final int capacity;
    private final ConcurrentHashMap<String, Long> seen = new ConcurrentHashMap<>();

    ReplayCache(int capacity) {
        this.capacity = capacity;
    }

    /** Records the value as used until {@code expiresAtMillis}; says whether it had been used before. */
    Use use(String value, long expiresAtMillis, long nowMillis) {
        if (seen.size() >= capacity) {
            synchronized (this) {
                if (seen.size() >= capacity) seen.values().removeIf(expiry -> expiry < nowMillis);
            }
            if (seen.size() >= capacity) return Use.FULL;
        }
        Long before = seen.putIfAbsent(value, expiresAtMillis);
        if (before == null) return Use.FIRST;
        if (before < nowMillis) { // an expired entry not swept yet: the value's own check refuses an old one
            seen.put(value, expiresAtMillis);
            return Use.FIRST;
        }
        return Use.REPLAY;
    }

    int size() {
        return seen.size();
    }
}
