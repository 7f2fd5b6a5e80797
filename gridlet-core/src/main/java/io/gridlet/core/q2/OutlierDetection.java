package io.gridlet.core.q2;

import io.gridlet.core.result.ResultSink;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.function.Consumer;

/**
 * Q2, load outliers, in one process: for every window size and every household, the share of its plugs whose
 * median load in the window is above the median of all loads in the window, emitted when it changes.
 *
 * <p>Feed load readings in timestamp order with {@link #add}; call {@link #evaluate} once all readings of a
 * timestamp are in. This is the two halves of the query, {@link PlugMedians} (per plug, parallelisable) and
 * {@link GlobalShares} (global), joined directly; a stream job runs the same two halves apart.
 */
public final class OutlierDetection {
    private final PlugMedians plugMedians;
    private final GlobalShares shares;
    private final Consumer<WindowChange> apply;

    public OutlierDetection(int... windowSeconds) {
        this(new PlugMedians(windowSeconds), new GlobalShares(windowSeconds));
    }

    private OutlierDetection(PlugMedians plugMedians, GlobalShares shares) {
        this.plugMedians = plugMedians;
        this.shares = shares;
        this.apply = shares::apply;
    }

    /** Adds one load reading (milliwatts) at {@code ts}; timestamps must not decrease. */
    public void add(long ts, long house, long household, long plug, int milliwatts) {
        plugMedians.add(ts, house, household, plug, milliwatts);
    }

    /** Evaluates all windows at data time {@code t}: evicts what has left them and emits changed shares. */
    public void evaluate(long t, ResultSink sink) {
        plugMedians.evaluate(t, apply);
        shares.evaluate(t, sink);
    }

    /** Load readings held (those in the largest window, until the next evaluation evicts). */
    public long readingsHeld() {
        return plugMedians.readingsHeld();
    }

    /** Sum over windows of the readings in each. */
    public long readingsInWindows() {
        return plugMedians.readingsInWindows();
    }

    public void snapshot(DataOutput out) throws IOException {
        plugMedians.snapshot(out);
        shares.snapshot(out);
    }

    public static OutlierDetection restore(DataInput in) throws IOException {
        PlugMedians plugMedians = PlugMedians.restore(in);
        return new OutlierDetection(plugMedians, GlobalShares.restore(in));
    }
}
