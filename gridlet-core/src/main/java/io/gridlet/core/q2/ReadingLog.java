package io.gridlet.core.q2;

import java.nio.ByteBuffer;
import java.nio.IntBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * The load readings held by the Q2 windows, oldest first: (plug index, milliwatts) in fixed-size chunks that are
 * allocated as the log grows and dropped once every cursor has passed them, with the timestamps stored once per
 * run of equal timestamps. Every window reads the same log through its own {@link Cursor} (the 1 h window's
 * cursor runs ahead of the 24 h window's), so a reading is stored once whatever the number of windows:
 * 8 bytes, plus 16 bytes per distinct timestamp, plus at most one partly used chunk.
 *
 * <p>With a {@link Spill} and a budget of resident chunks ({@link #spillTo}), chunks beyond the budget are moved
 * out to the spill store and read back when a cursor reaches them: the chunk being written and the chunks the
 * cursors are in stay; the others go, oldest first. What the store does with the bytes (encrypt them, in a
 * trusted deployment) is its business.
 */
public final class ReadingLog {
    /** Where chunks go beyond the budget: bytes by chunk number. */
    public interface Spill {
        void write(long chunk, byte[] bytes);

        byte[] read(long chunk);

        void delete(long chunk);
    }

    /** Bytes a chunk holds in memory (plug and value: two ints per entry). */
    public static final int CHUNK_BYTES = 8 << 14;
    private static final int CHUNK_BITS = 14;
    private static final int CHUNK = 1 << CHUNK_BITS;
    private static final int CHUNK_MASK = CHUNK - 1;

    // ring of chunks: chunk number c lives at slot c & (plugChunks.length - 1)
    private int[][] plugChunks = new int[4][];
    private int[][] valueChunks = new int[4][];
    private long start; // sequence number of the oldest entry kept
    private long end;   // sequence number of the next entry

    private long[] runTs = new long[64];
    private long[] runEnd = new long[64]; // exclusive end sequence of each run
    private long runStart; // run number of the oldest run kept
    private long runCount; // run number of the next run

    private final List<Cursor> cursors = new ArrayList<>();
    private Spill spill;
    private int maxResident = Integer.MAX_VALUE;
    private int resident;
    private final TreeSet<Long> spilled = new TreeSet<>();
    private long spills, loads;

    /**
     * Keeps at most {@code maxResidentChunks} chunks in memory (at least 2 + one per cursor are needed and kept
     * whatever the budget), moving the others to {@code store}.
     */
    public void spillTo(Spill store, int maxResidentChunks) {
        if (maxResidentChunks < 2) throw new IllegalArgumentException("at least 2 resident chunks");
        this.spill = store;
        this.maxResident = maxResidentChunks;
        enforceBudget(-1);
    }

    /** Chunks in memory, chunks in the spill store now, and how often chunks went out and came back. */
    public long[] spillCounts() {
        return new long[] {resident, spilled.size(), spills, loads};
    }
    /** Appends a reading; timestamps must not decrease. */
    public void append(long ts, int plug, int value) {
        int offset = (int) (end & CHUNK_MASK);
        if (offset == 0) addChunk();
        int slot = (int) ((end >>> CHUNK_BITS) & (plugChunks.length - 1));
        plugChunks[slot][offset] = plug;
        valueChunks[slot][offset] = value;
        end++;
        if (runCount > runStart && runTs[(int) ((runCount - 1) & (runTs.length - 1))] == ts) {
            runEnd[(int) ((runCount - 1) & (runTs.length - 1))] = end;
            for (Cursor c : cursors) { // a cursor that had passed the whole run is back inside it
                if (c.run == runCount) c.run = runCount - 1;
            }
        } else {
            if (runCount > runStart && ts < runTs[(int) ((runCount - 1) & (runTs.length - 1))]) {
                throw new IllegalArgumentException("timestamp " + ts + " before the latest in the log");
            }
            if (runCount - runStart == runTs.length) growRuns();
            int r = (int) (runCount & (runTs.length - 1));
            runTs[r] = ts;
            runEnd[r] = end;
            runCount++;
        }
    }

    /** A new reader positioned at the oldest entry kept. */
    public Cursor newCursor() {
        Cursor c = new Cursor(start, runStart);
        cursors.add(c);
        return c;
    }

    /** Entries held (from the slowest cursor to the end). */
    public long size() {
        return end - start;
    }

    /** Frees everything every cursor has passed. */
    public void trim() {
        long minSeq = end, minRun = runCount;
        for (Cursor c : cursors) {
            minSeq = Math.min(minSeq, c.seq);
            minRun = Math.min(minRun, c.run);
        }
        for (long chunk = start >>> CHUNK_BITS; chunk < minSeq >>> CHUNK_BITS; chunk++) {
            int slot = (int) (chunk & (plugChunks.length - 1));
            if (plugChunks[slot] != null) resident--;
            plugChunks[slot] = null;
            valueChunks[slot] = null;
            if (spilled.remove(chunk)) spill.delete(chunk);
        }
        start = minSeq;
        runStart = minRun;
    }

    /** Makes room for the chunk that starts at {@code end}. */
    private void addChunk() {
        long first = start >>> CHUNK_BITS, next = end >>> CHUNK_BITS;
        if (next - first >= plugChunks.length) {
            int n = plugChunks.length;
            int[][] p = new int[n * 2][], v = new int[n * 2][];
            for (long c = first; c < next; c++) {
                p[(int) (c & (2L * n - 1))] = plugChunks[(int) (c & (n - 1))];
                v[(int) (c & (2L * n - 1))] = valueChunks[(int) (c & (n - 1))];
            }
            plugChunks = p;
            valueChunks = v;
        }
        int slot = (int) (next & (plugChunks.length - 1));
        plugChunks[slot] = new int[CHUNK];
        valueChunks[slot] = new int[CHUNK];
        resident++;
        enforceBudget(-1);
    }

    /**
     * Spills the oldest chunks no cursor is in (and not the one being written, nor {@code keep}) until within the
     * budget.
     */
    private void enforceBudget(long keep) {
        if (spill == null) return;
        long first = start >>> CHUNK_BITS, writing = (end >>> CHUNK_BITS);
        for (long chunk = first; resident > maxResident && chunk < writing; chunk++) {
            int slot = (int) (chunk & (plugChunks.length - 1));
            if (plugChunks[slot] == null || chunk == keep || inUse(chunk)) continue;
            ByteBuffer bytes = ByteBuffer.allocate(CHUNK_BYTES);
            bytes.asIntBuffer().put(plugChunks[slot]).put(valueChunks[slot]);
            spill.write(chunk, bytes.array());
            plugChunks[slot] = null;
            valueChunks[slot] = null;
            spilled.add(chunk);
            resident--;
            spills++;
        }
    }

    private boolean inUse(long chunk) {
        for (Cursor c : cursors) if (c.seq >>> CHUNK_BITS == chunk) return true;
        return false;
    }

    /** The slot of the chunk holding {@code seq}, read back from the spill store if it is out. */
    private int slotOf(long seq) {
        long chunk = seq >>> CHUNK_BITS;
        int slot = (int) (chunk & (plugChunks.length - 1));
        if (plugChunks[slot] == null && spilled.remove(chunk)) {
            IntBuffer in = ByteBuffer.wrap(spill.read(chunk)).asIntBuffer();
            int[] plugs = new int[CHUNK], values = new int[CHUNK];
            in.get(plugs).get(values);
            spill.delete(chunk);
            plugChunks[slot] = plugs;
            valueChunks[slot] = values;
            resident++;
            loads++;
            enforceBudget(chunk);
        }
        return slot;
    }

    private void growRuns() {
        int n = runTs.length;
        long[] t = new long[n * 2], e = new long[n * 2];
        for (long r = runStart; r < runCount; r++) {
            t[(int) (r & (2L * n - 1))] = runTs[(int) (r & (n - 1))];
            e[(int) (r & (2L * n - 1))] = runEnd[(int) (r & (n - 1))];
        }
        runTs = t;
        runEnd = e;
    }

    /** A reader at the same place as {@code other} that does not hold entries in the log (for one pass). */
    public Cursor detachedCursorAt(Cursor other) {
        return new Cursor(other.seq, other.run);
    }

    /** A reader at the oldest entry kept that does not hold entries in the log (for one pass). */
    public Cursor detachedCursor() {
        return new Cursor(start, runStart);
    }

    /** A reader's position in the log; the log keeps every entry at or after the slowest cursor. */
    public final class Cursor {
        private long seq;
        private long run;

        private Cursor(long seq, long run) {
            this.seq = seq;
            this.run = run;
        }

        public boolean hasNext() {
            return seq < end;
        }

        public long ts() {
            return runTs[(int) (run & (runTs.length - 1))];
        }

        public int plug() {
            return plugChunks[slotOf(seq)][(int) (seq & CHUNK_MASK)];
        }

        public int value() {
            return valueChunks[slotOf(seq)][(int) (seq & CHUNK_MASK)];
        }

        public void advance() {
            seq++;
            if (seq == runEnd[(int) (run & (runTs.length - 1))]) run++;
        }

        /** Number of entries between this cursor and the end. */
        public long remaining() {
            return end - seq;
        }

        /** Entries between the oldest entry kept and this cursor. */
        public long position() {
            return seq - start;
        }
    }
}
