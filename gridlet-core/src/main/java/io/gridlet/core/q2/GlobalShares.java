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
 * The global half of Q2: from the {@link WindowChange}s of every {@link PlugMedians} (one, or one per parallel
 * partition), the global median of each window ({@link ValueHistogram}: counts, not readings) and, per household,
 * the share of its plugs whose median is above it, emitted when it changes.
 *
 * <p>Apply every change for a timestamp, then {@link #evaluate} it; timestamps in increasing order.
 */
public final class GlobalShares {
    private final int[] windowSeconds;
    private final Window[] windows;
    private final PlugTable plugs = new PlugTable();
    private final Map<HouseholdId, Integer> householdIndex = new HashMap<>();
    private final List<HouseholdId> households = new ArrayList<>();
    private int[][] householdPlugs = new int[16][];
    private int[] householdPlugCount = new int[16];
    private int[] householdOrder = new int[0]; // household indexes sorted by id
    private int registered;

    public GlobalShares(int... windowSeconds) {
        if (windowSeconds.length == 0) throw new IllegalArgumentException("at least one window");
        this.windowSeconds = windowSeconds.clone();
        this.windows = new Window[windowSeconds.length];
        for (int w = 0; w < windowSeconds.length; w++) windows[w] = new Window(windowSeconds[w]);
    }

    /** Applies one window's change. */
    public void apply(WindowChange change) {
        Window w = window(change.windowSeconds());
        for (int i = 0, n = change.enteredCount(); i < n; i++) w.global.add(change.entered(i));
        for (int i = 0, n = change.leftCount(); i < n; i++) w.leave(change.left(i));
        for (int i = 0, n = change.changedPlugs(); i < n; i++) {
            PlugId id = change.plug(i);
            int p = plug(id.house(), id.household(), id.plug()); // (first: registering grows the median array)
            w.median[p] = change.doubledMedian(i);
        }
        if (!change.isEmpty()) w.changed = true;
    }

    /**
     * Applies one window's change as the columns it crosses between tasks in: the values that entered and left,
     * the changed plugs as (house, household, plug) triples and their doubled medians. The same as
     * {@link #apply(WindowChange)} without making the change object first.
     */
    public void apply(int windowSeconds, int[] entered, int[] left, long[] plugTriples, long[] doubledMedians) {
        if (plugTriples.length != 3 * doubledMedians.length) {
            throw new IllegalArgumentException("one (house, household, plug) per median");
        }
        Window w = window(windowSeconds);
        for (int v : entered) w.global.add(v);
        for (int v : left) w.leave(v);
        for (int i = 0; i < doubledMedians.length; i++) {
            int p = plug(plugTriples[3 * i], plugTriples[3 * i + 1], plugTriples[3 * i + 2]); // (as above)
            w.median[p] = doubledMedians[i];
        }
        if (entered.length + left.length + doubledMedians.length > 0) w.changed = true;
    }

    /** The plug's index, registering it on first sight. */
    private int plug(long house, long household, long plug) {
        int p = plugs.indexOf(house, household, plug);
        if (p == registered) register(plugs.plug(p));
        return p;
    }

    /** Emits, for every window that changed since the last call, the shares that changed at data time t. */
    public void evaluate(long t, ResultSink sink) {
        for (Window w : windows) {
            if (w.changed) w.evaluate(t, sink);
            w.changed = false;
        }
    }

    private Window window(int seconds) {
        for (Window w : windows) if (w.seconds == seconds) return w;
        throw new IllegalArgumentException("no " + seconds + " s window");
    }

    private void register(PlugId id) {
        int p = registered++;
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
        for (Window w : windows) w.ensurePlugs(registered, households.size());
    }

    /** One window: the histogram of all its values, the plugs' medians, what was last emitted. */
    private final class Window {
        final int seconds;
        final ValueHistogram global = new ValueHistogram();
        long[] median = new long[0]; // doubled, ABSENT when the plug has no readings in the window
        int[] lastAbove = new int[0];
        int[] lastTotal = new int[0]; // 0: never emitted
        boolean changed;

        Window(int seconds) {
            this.seconds = seconds;
        }

        /** A value left the window: it must have entered it. */
        void leave(int value) {
            if (!global.remove(value)) {
                throw new IllegalStateException("value " + value + " left a window it was never in");
            }
        }

        void ensurePlugs(int plugCount, int householdCount) {
            if (median.length < plugCount) {
                int old = median.length;
                median = Arrays.copyOf(median, Math.max(plugCount, old * 2));
                Arrays.fill(median, old, median.length, WindowChange.ABSENT);
            }
            if (lastAbove.length < householdCount) {
                int cap = Math.max(householdCount, lastAbove.length * 2);
                lastAbove = Arrays.copyOf(lastAbove, cap);
                lastTotal = Arrays.copyOf(lastTotal, cap);
            }
        }

        void evaluate(long t, ResultSink sink) {
            if (global.size() == 0) return;
            long globalMedian = global.doubledMedian();
            for (int h : householdOrder) {
                int[] members = householdPlugs[h];
                int above = 0, total = 0;
                for (int i = 0, n = householdPlugCount[h]; i < n; i++) {
                    long m = median[members[i]];
                    if (m == WindowChange.ABSENT) continue;
                    total++;
                    if (m > globalMedian) above++;
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

    public void snapshot(DataOutput out) throws IOException {
        out.writeInt(SNAPSHOT_VERSION);
        out.writeInt(windowSeconds.length);
        for (int w : windowSeconds) out.writeInt(w);
        plugs.writeTo(out);
        for (Window w : windows) {
            for (int p = 0; p < registered; p++) out.writeLong(w.median[p]);
            out.writeInt(households.size());
            for (int h = 0; h < households.size(); h++) {
                out.writeInt(w.lastAbove[h]);
                out.writeInt(w.lastTotal[h]);
            }
            w.global.writeTo(out);
            out.writeBoolean(w.changed);
        }
    }

    public static GlobalShares restore(DataInput in) throws IOException {
        int version = in.readInt();
        if (version != SNAPSHOT_VERSION) throw new IOException("unknown Q2 shares snapshot version " + version);
        int[] sizes = new int[in.readInt()];
        for (int i = 0; i < sizes.length; i++) sizes[i] = in.readInt();
        GlobalShares g = new GlobalShares(sizes);
        for (PlugId id : PlugTable.readIds(in)) {
            g.plugs.indexOf(id);
            g.register(id);
        }
        for (Window w : g.windows) {
            for (int p = 0; p < g.registered; p++) w.median[p] = in.readLong();
            int householdCount = in.readInt();
            for (int h = 0; h < householdCount; h++) {
                w.lastAbove[h] = in.readInt();
                w.lastTotal[h] = in.readInt();
            }
            w.global.readFrom(in);
            w.changed = in.readBoolean();
        }
        return g;
    }
}
