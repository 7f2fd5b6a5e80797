package io.gridlet.core.q2;

import io.gridlet.core.model.PlugId;
import io.gridlet.core.model.PlugTable;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;
import java.util.function.Consumer;

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
    private final Window[] windows;
    private int registered;

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
        for (Window w : windows) {
            w.evaluate(t);
            out.accept(w.change);
            w.change.clearEntered();
        }
        log.trim();
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

    private static final int SNAPSHOT_VERSION = 1;

    /** The plugs, the readings of the largest window, each window's position, and what each last reported. */
    public void snapshot(DataOutput out) throws IOException {
        out.writeInt(SNAPSHOT_VERSION);
        out.writeInt(windows.length);
        for (Window w : windows) out.writeInt(w.seconds);
        plugs.writeTo(out);
        out.writeLong(log.size());
        for (ReadingLog.Cursor c = log.detachedCursor(); c.hasNext(); c.advance()) {
            out.writeLong(c.ts());
            out.writeInt(c.plug());
            out.writeInt(c.value());
        }
        for (Window w : windows) {
            out.writeLong(w.cursor.position());
            for (int p = 0; p < registered; p++) out.writeLong(w.reported[p]);
            out.writeInt(w.change.enteredCount()); // entered since the last evaluation, still to be reported
            for (int i = 0; i < w.change.enteredCount(); i++) out.writeInt(w.change.entered(i));
        }
    }

    public static PlugMedians restore(DataInput in) throws IOException {
        int version = in.readInt();
        if (version != SNAPSHOT_VERSION) throw new IOException("unknown Q2 plug-medians snapshot version " + version);
        int[] sizes = new int[in.readInt()];
        for (int i = 0; i < sizes.length; i++) sizes[i] = in.readInt();
        PlugMedians q = new PlugMedians(sizes);
        for (PlugId id : PlugTable.readIds(in)) {
            q.plugs.indexOf(id);
            q.register();
        }
        long n = in.readLong();
        for (long i = 0; i < n; i++) q.log.append(in.readLong(), in.readInt(), in.readInt());
        for (Window w : q.windows) {
            long position = in.readLong();
            for (long i = 0; i < position; i++) w.cursor.advance();
            for (ReadingLog.Cursor c = q.log.detachedCursorAt(w.cursor); c.hasNext(); c.advance()) {
                w.medians[c.plug()].add(c.value());
            }
            for (int p = 0; p < q.registered; p++) {
                w.reported[p] = in.readLong();
                SlidingMedian m = w.medians[p];
                long now = m.isEmpty() ? WindowChange.ABSENT : m.doubledMedian();
                if (now != w.reported[p]) w.touch(p); // changed by readings added after the last evaluation
            }
            int entered = in.readInt();
            for (int i = 0; i < entered; i++) w.change.addEntered(in.readInt());
        }
        q.log.trim();
        return q;
    }
}
