package io.gridlet.core.q2;

import io.gridlet.core.model.HouseholdId;
import io.gridlet.core.model.PlugId;
import io.gridlet.core.model.PlugTable;
import io.gridlet.core.result.OutlierShare;
import io.gridlet.core.result.ResultSink;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Q2, load outliers: for every window size and every household, the share of its plugs whose median load in
 * the window is above the median of all loads in the window, emitted when it changes.
 *
 * <p>Feed load readings in timestamp order with {@link #add}; call {@link #evaluate(long)} once all readings of
 * a timestamp are in. The readings are held once, in a {@link ReadingLog} that every window reads through its
 * own cursor; each window keeps a {@link SlidingMedian} per plug and a {@link ValueHistogram} of all values.
 * The state is exactly the readings in the largest window plus what was last emitted; {@link #snapshot} writes
 * that and {@link #restore} rebuilds the structures from it.
 */
public final class OutlierDetection {
    private final int[] windowSeconds;
    private final PlugTable plugs = new PlugTable();
    private final ReadingLog log = new ReadingLog();
    private final Window[] windows;

    // households, and the plugs of each, by dense index
    private final Map<HouseholdId, Integer> householdIndex = new HashMap<>();
    private final List<HouseholdId> households = new ArrayList<>();
    private int[][] householdPlugs = new int[16][];
    private int[] householdPlugCount = new int[16];
    private int[] householdOrder = new int[0]; // household indexes sorted by id
    private int[] plugHousehold = new int[64];

    public OutlierDetection(int... windowSeconds) {
        if (windowSeconds.length == 0) throw new IllegalArgumentException("at least one window");
        this.windowSeconds = windowSeconds.clone();
        this.windows = new Window[windowSeconds.length];
        for (int w = 0; w < windowSeconds.length; w++) {
            if (windowSeconds[w] <= 0) throw new IllegalArgumentException("window must be > 0 s");
            windows[w] = new Window(windowSeconds[w]);
        }
    }

    /** Adds one load reading (milliwatts) at {@code ts}; timestamps must not decrease. */
    public void add(long ts, long house, long household, long plug, int milliwatts) {
        int p = plugs.indexOf(house, household, plug);
        if (p == plugHouseholdSize) registerPlug(p);
        log.append(ts, p, milliwatts);
        for (Window w : windows) w.add(p, milliwatts);
    }

    /** Evaluates all windows at data time {@code t}: evicts what has left them and emits changed shares. */
    public void evaluate(long t, ResultSink sink) {
        for (Window w : windows) w.evaluate(t, sink);
        log.trim();
    }

    /** Load readings held (those in the largest window, until the next evaluation evicts). */
    public long readingsHeld() {
        return log.size();
    }

    /** Sum over windows of the readings in each. */
    public long readingsInWindows() {
        long sum = 0;
        for (Window w : windows) sum += w.global.size();
        return sum;
    }

    private int plugHouseholdSize;

    private void registerPlug(int p) {
        PlugId id = plugs.plug(p);
        HouseholdId hh = id.householdId();
        Integer h = householdIndex.get(hh);
        if (h == null) {
            h = households.size();
            householdIndex.put(hh, h);
            households.add(hh);
            if (h == householdPlugs.length) {
                householdPlugs = Arrays.copyOf(householdPlugs, h * 2);
                householdPlugCount = Arrays.copyOf(householdPlugCount, h * 2);
            }
            householdPlugs[h] = new int[4];
            Integer[] order = new Integer[households.size()];
            for (int i = 0; i < order.length; i++) order[i] = i;
            Arrays.sort(order, (a, b) -> households.get(a).compareTo(households.get(b)));
            householdOrder = Arrays.stream(order).mapToInt(Integer::intValue).toArray();
        }
        int n = householdPlugCount[h];
        if (n == householdPlugs[h].length) householdPlugs[h] = Arrays.copyOf(householdPlugs[h], n * 2);
        householdPlugs[h][n] = p;
        householdPlugCount[h] = n + 1;
        if (p == plugHousehold.length) plugHousehold = Arrays.copyOf(plugHousehold, p * 2);
        plugHousehold[p] = h;
        plugHouseholdSize++;
        for (Window w : windows) w.ensurePlugs(plugHouseholdSize, households.size());
    }

    /** One window size: its cursor into the log, per-plug medians, the global histogram, what was emitted. */
    private final class Window {
        final int seconds;
        final ReadingLog.Cursor cursor = log.newCursor();
        final ValueHistogram global = new ValueHistogram();
        SlidingMedian[] plugMedians = new SlidingMedian[0];
        long[] cachedMedian = new long[0]; // doubled median per plug, valid unless dirty
        boolean[] dirty = new boolean[0];
        // last share emitted per household; lastTotal == 0: never emitted
        int[] lastAbove = new int[0];
        int[] lastTotal = new int[0];

        Window(int seconds) {
            this.seconds = seconds;
        }

        void ensurePlugs(int plugCount, int householdCount) {
            if (plugMedians.length < plugCount) {
                int old = plugMedians.length;
                int cap = Math.max(plugCount, old * 2);
                plugMedians = Arrays.copyOf(plugMedians, cap);
                for (int i = old; i < cap; i++) plugMedians[i] = new SlidingMedian();
                cachedMedian = Arrays.copyOf(cachedMedian, cap);
                dirty = Arrays.copyOf(dirty, cap);
            }
            if (lastAbove.length < householdCount) {
                int cap = Math.max(householdCount, lastAbove.length * 2);
                lastAbove = Arrays.copyOf(lastAbove, cap);
                lastTotal = Arrays.copyOf(lastTotal, cap);
            }
        }

        void add(int p, int value) {
            plugMedians[p].add(value);
            global.add(value);
            dirty[p] = true;
        }

        void evaluate(long t, ResultSink sink) {
            long cutoff = t - seconds; // readings with ts <= cutoff have left (t - W, t]
            while (cursor.hasNext() && cursor.ts() <= cutoff) {
                int p = cursor.plug();
                int v = cursor.value();
                plugMedians[p].remove(v);
                global.remove(v);
                dirty[p] = true;
                cursor.advance();
            }
            if (global.size() == 0) return;
            long globalMedian = global.doubledMedian();
            for (int h : householdOrder) {
                int[] members = householdPlugs[h];
                int above = 0, total = 0;
                for (int i = 0, n = householdPlugCount[h]; i < n; i++) {
                    int p = members[i];
                    SlidingMedian m = plugMedians[p];
                    if (m.isEmpty()) continue;
                    total++;
                    if (dirty[p]) {
                        cachedMedian[p] = m.doubledMedian();
                        dirty[p] = false;
                    }
                    if (cachedMedian[p] > globalMedian) above++;
                }
                if (total == 0) continue;
                if (lastTotal[h] == 0 || (long) lastAbove[h] * total != (long) above * lastTotal[h]) {
                    lastAbove[h] = above;
                    lastTotal[h] = total;
                    HouseholdId id = households.get(h);
                    sink.outlierShare(new OutlierShare(seconds, t - seconds, t, id.house(), id.household(),
                            above, total));
                }
            }
        }
    }

    // ---- snapshot / restore ------------------------------------------------------------------------------

    private static final int SNAPSHOT_VERSION = 1;

    /** Writes the whole state: the plugs, the readings of the largest window, each window's position and output. */
    public void snapshot(DataOutput out) throws IOException {
        out.writeInt(SNAPSHOT_VERSION);
        out.writeInt(windowSeconds.length);
        for (int w : windowSeconds) out.writeInt(w);
        plugs.writeTo(out);
        out.writeLong(log.size());
        for (ReadingLog.Cursor c = log.detachedCursor(); c.hasNext(); c.advance()) {
            out.writeLong(c.ts());
            out.writeInt(c.plug());
            out.writeInt(c.value());
        }
        for (Window w : windows) {
            out.writeLong(w.cursor.position());
            out.writeInt(households.size());
            for (int h = 0; h < households.size(); h++) {
                out.writeInt(w.lastAbove[h]);
                out.writeInt(w.lastTotal[h]);
            }
        }
    }

    /** Rebuilds a detector from {@link #snapshot} output. */
    public static OutlierDetection restore(DataInput in) throws IOException {
        int version = in.readInt();
        if (version != SNAPSHOT_VERSION) throw new IOException("unknown Q2 snapshot version " + version);
        int[] sizes = new int[in.readInt()];
        for (int i = 0; i < sizes.length; i++) sizes[i] = in.readInt();
        OutlierDetection q2 = new OutlierDetection(sizes);
        for (PlugId id : PlugTable.readIds(in)) q2.registerPlug(q2.plugs.indexOf(id));
        long n = in.readLong();
        for (long i = 0; i < n; i++) q2.log.append(in.readLong(), in.readInt(), in.readInt());
        for (Window w : q2.windows) {
            long position = in.readLong();
            for (long i = 0; i < position; i++) w.cursor.advance();
            ReadingLog.Cursor c = q2.log.detachedCursorAt(w.cursor);
            while (c.hasNext()) {
                w.add(c.plug(), c.value());
                c.advance();
            }
            int householdCount = in.readInt();
            for (int h = 0; h < householdCount; h++) {
                w.lastAbove[h] = in.readInt();
                w.lastTotal[h] = in.readInt();
            }
        }
        q2.log.trim();
        return q2;
    }
}
