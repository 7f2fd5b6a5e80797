package io.gridlet.core.q2;

import io.gridlet.core.model.PlugId;
import io.gridlet.core.model.PlugTable;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.function.Consumer;
import java.util.function.ToIntFunction;

/**
 * The per-plug half of Q2, which can run in parallel over disjoint sets of plugs: the load readings in each window
 * and each plug's median. At every evaluated timestamp it evicts what has left each window and reports a
 * {@link WindowChange}: the values that entered and left, and the plugs whose median changed. The global half,
 * {@link GlobalShares}, turns those changes into the households' shares.
 *
 * <p>The readings are held once, in a {@link ReadingLog} that each window reads through its own cursor; each
 * window keeps a {@link SlidingMedian} per plug.
 */
public final class PlugMedians {
    private final PlugTable plugs = new PlugTable();
    private final ReadingLog log = new ReadingLog();

    /**
     * Keeps at most {@code maxResidentChunks} chunks of the window log in memory, the rest in {@code store} (see
     * {@link ReadingLog#spillTo}): the log is most of this state (8 of its ~11 bytes per reading).
     */
    public void spillTo(ReadingLog.Spill store, int maxResidentChunks) {
        log.spillTo(store, maxResidentChunks);
    }

    /** The log's resident and spilled chunks and its spill and load counts (see {@link ReadingLog#spillCounts}). */
    public long[] spillCounts() {
        return log.spillCounts();
    }
    private final Window[] windows;
    private int registered;
    private static final long NEVER = Long.MIN_VALUE;
    private long evaluatedAt = NEVER; // the last evaluated timestamp

    public PlugMedians(int... windowSeconds) {
        if (windowSeconds.length == 0) throw new IllegalArgumentException("at least one window");
        windows = new Window[windowSeconds.length];
        for (int w = 0; w < windowSeconds.length; w++) {
            if (windowSeconds[w] <= 0) throw new IllegalArgumentException("window must be > 0 s");
            windows[w] = new Window(windowSeconds[w]);
        }
    }

    /** Adds one load reading (milliwatts) at {@code ts}; timestamps must not decrease. */
    public void add(long ts, long house, long household, long plug, int milliwatts) {
        int p = plugs.indexOf(house, household, plug);
        if (p == registered) register();
        log.append(ts, p, milliwatts);
        for (Window w : windows) w.add(p, milliwatts);
    }

    /**
     * Evaluates every window at data time {@code t}: evicts readings with {@code ts <= t - W} and hands each
     * window's change to {@code out} (valid only during the call).
     */
    public void evaluate(long t, Consumer<WindowChange> out) {
        evaluatedAt = t;
        for (Window w : windows) {
            w.evaluate(t);
            out.accept(w.change);
            w.change.clearEntered();
        }
        log.trim();
    }

    /** The plugs this instance has seen, in the order it first saw them. */
    public List<PlugId> plugIds() {
        List<PlugId> ids = new ArrayList<>(plugs.size());
        for (int p = 0; p < plugs.size(); p++) ids.add(plugs.plug(p));
        return ids;
    }

    /** Load readings held (those in the largest window, until the next evaluation evicts). */
    public long readingsHeld() {
        return log.size();
    }

    /** Sum over windows of the readings in each. */
    public long readingsInWindows() {
        long sum = 0;
        for (Window w : windows) sum += w.cursor.remaining();
        return sum;
    }

    private void register() {
        registered++;
        for (Window w : windows) w.ensurePlugs(registered);
    }

    /** One window: its cursor into the log, the plugs' medians, what is to be reported. */
    private final class Window {
        final int seconds;
        final ReadingLog.Cursor cursor = log.newCursor();
        final WindowChange change;
        SlidingMedian[] medians = new SlidingMedian[0];
        long[] reported = new long[0]; // doubled median last reported per plug, ABSENT if none
        boolean[] dirty = new boolean[0];
        int[] dirtyList = new int[16];
        int dirtyCount;

        Window(int seconds) {
            this.seconds = seconds;
            this.change = new WindowChange(seconds);
        }

        void ensurePlugs(int plugCount) {
            if (medians.length >= plugCount) return;
            int old = medians.length;
            int cap = Math.max(plugCount, old * 2);
            medians = Arrays.copyOf(medians, cap);
            for (int i = old; i < cap; i++) medians[i] = new SlidingMedian();
            reported = Arrays.copyOf(reported, cap);
            Arrays.fill(reported, old, cap, WindowChange.ABSENT);
            dirty = Arrays.copyOf(dirty, cap);
            if (dirtyList.length < cap) dirtyList = Arrays.copyOf(dirtyList, cap);
        }

        void add(int p, int value) {
            medians[p].add(value);
            change.addEntered(value);
            touch(p);
        }

        private void touch(int p) {
            if (!dirty[p]) {
                dirty[p] = true;
                dirtyList[dirtyCount++] = p;
            }
        }

        void evaluate(long t) {
            change.start(t);
            long cutoff = t - seconds; // readings with ts <= cutoff have left (t - W, t]
            while (cursor.hasNext() && cursor.ts() <= cutoff) {
                int p = cursor.plug();
                int v = cursor.value();
                if (!medians[p].remove(v)) throw new IllegalStateException("window lost value " + v);
                change.addLeft(v);
                touch(p);
                cursor.advance();
            }
            for (int i = 0; i < dirtyCount; i++) {
                int p = dirtyList[i];
                dirty[p] = false;
                SlidingMedian m = medians[p];
                long now = m.isEmpty() ? WindowChange.ABSENT : m.doubledMedian();
                if (now != reported[p]) {
                    reported[p] = now;
                    change.addMedian(plugs.plug(p), now);
                }
            }
            dirtyCount = 0;
        }
    }

    // ---- snapshot / restore ------------------------------------------------------------------------------

    private static final int SNAPSHOT_VERSION = 2;

    /**
     * Writes the whole state: {@link #restore(DataInput)} reads it back. The state of Q2's per-plug half is the
     * readings still in the largest window (or not yet evaluated) and the last evaluated timestamp; the windows'
     * medians, positions and last reported values follow from those (after an evaluation every plug's reported
     * median is its current one).
     */
    public void snapshot(DataOutput out) throws IOException {
        out.write(snapshotParts(1, id -> 0)[0]);
    }

    public static PlugMedians restore(DataInput in) throws IOException {
        return restore(List.of(in));
    }

    /**
     * Writes the state split into {@code parts} disjoint parts by plug ({@code partOf} maps a plug to its part),
     * in one pass over the readings. Any set of parts written at the same moment by instances of the same
     * configuration restores into one instance ({@link #restore(List)}): this is how state moves when the plugs
     * are spread over a different number of instances.
     */
    public byte[][] snapshotParts(int parts, ToIntFunction<PlugId> partOf) throws IOException {
        int plugCount = plugs.size();
        int[] part = new int[plugCount];
        int[] local = new int[plugCount];
        int[] partPlugs = new int[parts];
        for (int p = 0; p < plugCount; p++) {
            part[p] = partOf.applyAsInt(plugs.plug(p));
            if (part[p] < 0 || part[p] >= parts) throw new IllegalArgumentException("part out of range: " + part[p]);
            local[p] = partPlugs[part[p]]++;
        }
        long[] readings = new long[parts];
        for (ReadingLog.Cursor c = log.detachedCursorAt(oldestCursor()); c.hasNext(); c.advance()) {
            readings[part[c.plug()]]++;
        }
        // each part's size is known: it is filled in place, big-endian as DataOutputStream would write it (a stream
        // per part made every int four synchronized one-byte writes: most of a checkpoint's time with a day held)
        ByteBuffer[] outs = new ByteBuffer[parts];
        int header = 4 + 4 + 4 * windows.length + 8 + 4;
        for (int i = 0; i < parts; i++) {
            long size = header + 24L * partPlugs[i] + 8 + 16L * readings[i];
            if (size > Integer.MAX_VALUE - 64) {
                throw new IOException("a part of Q2's state of " + size + " bytes: more than an array holds"
                        + " (spread the plugs over more parts)");
            }
            ByteBuffer out = outs[i] = ByteBuffer.allocate((int) size);
            out.putInt(SNAPSHOT_VERSION);
            out.putInt(windows.length);
            for (Window w : windows) out.putInt(w.seconds);
            out.putLong(evaluatedAt);
            out.putInt(partPlugs[i]);
        }
        for (int p = 0; p < plugCount; p++) {
            PlugId id = plugs.plug(p);
            ByteBuffer out = outs[part[p]];
            out.putLong(id.house());
            out.putLong(id.household());
            out.putLong(id.plug());
        }
        for (int i = 0; i < parts; i++) outs[i].putLong(readings[i]);
        for (ReadingLog.Cursor c = log.detachedCursorAt(oldestCursor()); c.hasNext(); c.advance()) {
            int p = c.plug();
            ByteBuffer out = outs[part[p]];
            out.putLong(c.ts());
            out.putInt(local[p]);
            out.putInt(c.value());
        }
        byte[][] result = new byte[parts][];
        for (int i = 0; i < parts; i++) {
            if (outs[i].hasRemaining()) throw new IllegalStateException("a part of Q2's state not filled");
            result[i] = outs[i].array();
        }
        return result;
    }

    /** The cursor of the window that has evicted least: readings before it are in no window. */
    private ReadingLog.Cursor oldestCursor() {
        Window oldest = windows[0];
        for (Window w : windows) if (w.cursor.position() < oldest.cursor.position()) oldest = w;
        return oldest.cursor;
    }

    /**
     * One instance from parts written by {@link #snapshotParts} at the same moment (by one or several
     * instances), for disjoint sets of plugs: the readings are merged in timestamp order and replayed, the ones
     * up to the last evaluated timestamp evaluated silently (they were reported before the snapshot).
     */
    public static PlugMedians restore(List<? extends DataInput> parts) throws IOException {
        if (parts.isEmpty()) throw new IllegalArgumentException("no Q2 state to restore");
        int[] sizes = null;
        long evaluatedAt = 0;
        List<PartReadings> read = new ArrayList<>(parts.size());
        for (DataInput in : parts) {
            int version = in.readInt();
            if (version != SNAPSHOT_VERSION) {
                throw new IOException("unknown Q2 plug-medians snapshot version " + version);
            }
            int[] partSizes = new int[in.readInt()];
            for (int i = 0; i < partSizes.length; i++) partSizes[i] = in.readInt();
            long partEvaluatedAt = in.readLong();
            if (sizes == null) {
                sizes = partSizes;
                evaluatedAt = partEvaluatedAt;
            } else if (!Arrays.equals(sizes, partSizes) || evaluatedAt != partEvaluatedAt) {
                throw new IOException("Q2 states of different configurations or moments cannot be merged");
            }
            read.add(PartReadings.read(in));
        }
        PlugMedians q = new PlugMedians(sizes);
        PriorityQueue<PartReadings> byTime = new PriorityQueue<>(Comparator.comparingLong(PartReadings::ts));
        for (PartReadings r : read) if (r.hasNext()) byTime.add(r);
        boolean evaluated = evaluatedAt == NEVER;
        while (!byTime.isEmpty()) {
            PartReadings r = byTime.poll();
            if (!evaluated && r.ts() > evaluatedAt) {
                q.evaluate(evaluatedAt, change -> { });
                evaluated = true;
            }
            PlugId id = r.plug();
            q.add(r.ts(), id.house(), id.household(), id.plug(), r.value());
            r.advance();
            if (r.hasNext()) byTime.add(r);
        }
        if (!evaluated) q.evaluate(evaluatedAt, change -> { });
        return q;
    }

    /** The readings of one part, read into arrays. */
    private static final class PartReadings {
        final PlugId[] plugs;
        final long[] ts;
        final int[] plug;
        final int[] value;
        int next;

        private PartReadings(PlugId[] plugs, long[] ts, int[] plug, int[] value) {
            this.plugs = plugs;
            this.ts = ts;
            this.plug = plug;
            this.value = value;
        }

        static PartReadings read(DataInput in) throws IOException {
            PlugId[] plugs = new PlugId[in.readInt()];
            for (int p = 0; p < plugs.length; p++) plugs[p] = new PlugId(in.readLong(), in.readLong(), in.readLong());
            long n = in.readLong();
            if (n > Integer.MAX_VALUE) throw new IOException("Q2 state too large: " + n + " readings in one part");
            long[] ts = new long[(int) n];
            int[] plug = new int[(int) n];
            int[] value = new int[(int) n];
            for (int i = 0; i < n; i++) {
                ts[i] = in.readLong();
                plug[i] = in.readInt();
                value[i] = in.readInt();
                if (plug[i] < 0 || plug[i] >= plugs.length) throw new IOException("Q2 state names an unknown plug");
                if (i > 0 && ts[i] < ts[i - 1]) throw new IOException("Q2 state readings out of order");
            }
            return new PartReadings(plugs, ts, plug, value);
        }

        boolean hasNext() {
            return next < ts.length;
        }

        long ts() {
            return ts[next];
        }

        PlugId plug() {
            return plugs[plug[next]];
        }

        int value() {
            return value[next];
        }

        void advance() {
            next++;
        }
    }
}
