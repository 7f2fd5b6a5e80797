package io.gridlet.policy.sat;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * Answers kept by key, least recently used first out, bounded by entries and by bytes (each entry's size
 * estimated by the caller), so that a peer's policy whose patterns are large cannot make it hold gigabytes.
 * Thread-safe.
 */
final class Memory<K, V> {
    private final int maxEntries;
    private final long maxBytes;
    private final ToLongFunction<V> valueBytes;
    private final ToLongFunction<K> keyBytes;
    private final LinkedHashMap<K, V> entries = new LinkedHashMap<>(16, 0.75f, true);
    private long bytes;

    Memory(int maxEntries, long maxBytes, ToLongFunction<K> keyBytes, ToLongFunction<V> valueBytes) {
        this.maxEntries = maxEntries;
        this.maxBytes = maxBytes;
        this.keyBytes = keyBytes;
        this.valueBytes = valueBytes;
    }

    synchronized V get(K key) {
        return entries.get(key);
    }

    synchronized void put(K key, V value) {
        long size = keyBytes.applyAsLong(key) + valueBytes.applyAsLong(value) + 64;
        if (size > maxBytes) return; // too large to keep at all
        V old = entries.put(key, value);
        if (old != null) bytes -= keyBytes.applyAsLong(key) + valueBytes.applyAsLong(old) + 64;
        bytes += size;
        Iterator<Map.Entry<K, V>> eldest = entries.entrySet().iterator();
        while ((entries.size() > maxEntries || bytes > maxBytes) && eldest.hasNext()) {
            Map.Entry<K, V> e = eldest.next();
            bytes -= keyBytes.applyAsLong(e.getKey()) + valueBytes.applyAsLong(e.getValue()) + 64;
            eldest.remove();
        }
    }
}
