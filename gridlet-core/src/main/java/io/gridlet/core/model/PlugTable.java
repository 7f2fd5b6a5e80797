package io.gridlet.core.model;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Gives each plug seen a dense index (0, 1, 2, ... in order of first appearance), so that per-plug state can
 * live in arrays. Open addressing on the packed ids: the lookup runs once per reading and must not allocate.
 */
public final class PlugTable {
    private long[] keyHi = new long[16]; // house << 32 | household, by index
    private long[] keyLo = new long[16]; // plug, by index
    private final List<PlugId> plugs = new ArrayList<>();
    private int[] slots = new int[32]; // index + 1, 0 = empty
    private int size;

    /** The index of the plug, adding it if it is new. */
    public int indexOf(long house, long household, long plug) {
        long hi = (house << 32) | household;
        int mask = slots.length - 1;
        int h = hash(hi, plug) & mask;
        while (true) {
            int s = slots[h];
            if (s == 0) break;
            if (keyHi[s - 1] == hi && keyLo[s - 1] == plug) return s - 1;
            h = (h + 1) & mask;
        }
        int index = size++;
        if (index == keyHi.length) {
            keyHi = Arrays.copyOf(keyHi, index * 2);
            keyLo = Arrays.copyOf(keyLo, index * 2);
        }
        keyHi[index] = hi;
        keyLo[index] = plug;
        plugs.add(new PlugId(house, household, plug));
        slots[h] = index + 1;
        if (size * 2 > slots.length) rehash();
        return index;
    }

    public int indexOf(PlugId id) {
        return indexOf(id.house(), id.household(), id.plug());
    }

    public PlugId plug(int index) {
        return plugs.get(index);
    }

    public int size() {
        return size;
    }

    /** Writes the plugs' ids in index order. */
    public void writeTo(DataOutput out) throws IOException {
        out.writeInt(size);
        for (PlugId id : plugs) {
            out.writeLong(id.house());
            out.writeLong(id.household());
            out.writeLong(id.plug());
        }
    }

    /** Reads what {@link #writeTo} wrote: the ids in index order (adding them in order restores the indexes). */
    public static List<PlugId> readIds(DataInput in) throws IOException {
        int n = in.readInt();
        List<PlugId> ids = new ArrayList<>(n);
        for (int i = 0; i < n; i++) ids.add(new PlugId(in.readLong(), in.readLong(), in.readLong()));
        return ids;
    }

    private void rehash() {
        slots = new int[slots.length * 2];
        int mask = slots.length - 1;
        for (int i = 0; i < size; i++) {
            int h = hash(keyHi[i], keyLo[i]) & mask;
            while (slots[h] != 0) h = (h + 1) & mask;
            slots[h] = i + 1;
        }
    }

    private static int hash(long hi, long lo) {
        long x = hi * 0x9E3779B97F4A7C15L + lo;
        x ^= x >>> 32;
        x *= 0xD6E8FEB86659FD93L;
        return (int) (x ^ (x >>> 32));
    }
}
