package io.gridlet.core.q2;

import io.gridlet.core.model.PlugId;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What one evaluation of one window changed, as {@link PlugMedians} reports it and {@link GlobalShares} applies
 * it: the load values that entered and left the window since the previous evaluation (for the global median),
 * and the plugs whose median changed (for the shares). Plain data, reused between evaluations; the stream job
 * ships it from the parallel per-plug stage to the global stage.
 */
public final class WindowChange {
    /** A plug's doubled median when it has no readings in the window. */
    public static final long ABSENT = -1;

    private final int windowSeconds;
    private long time;
    private int[] entered = new int[64];
    private int enteredCount;
    private int[] left = new int[64];
    private int leftCount;
    private final List<PlugId> plugs = new ArrayList<>();
    private long[] medians = new long[16];

    public WindowChange(int windowSeconds) {
        this.windowSeconds = windowSeconds;
    }

    public int windowSeconds() {
        return windowSeconds;
    }

    /** The data time evaluated. */
    public long time() {
        return time;
    }

    void start(long t) {
        time = t;
        leftCount = 0;
        plugs.clear();
    }

    void clearEntered() {
        enteredCount = 0;
    }

    void addEntered(int value) {
        if (enteredCount == entered.length) entered = Arrays.copyOf(entered, enteredCount * 2);
        entered[enteredCount++] = value;
    }

    void addLeft(int value) {
        if (leftCount == left.length) left = Arrays.copyOf(left, leftCount * 2);
        left[leftCount++] = value;
    }

    void addMedian(PlugId plug, long doubledMedian) {
        if (plugs.size() == medians.length) medians = Arrays.copyOf(medians, medians.length * 2);
        medians[plugs.size()] = doubledMedian;
        plugs.add(plug);
    }

    public int enteredCount() {
        return enteredCount;
    }

    public int entered(int i) {
        return entered[i];
    }

    public int leftCount() {
        return leftCount;
    }

    public int left(int i) {
        return left[i];
    }

    public int changedPlugs() {
        return plugs.size();
    }

    public PlugId plug(int i) {
        return plugs.get(i);
    }

    /** Twice the plug's new median, or {@link #ABSENT}. */
    public long doubledMedian(int i) {
        return medians[i];
    }

    /** The values that entered, as an array of their own. */
    public int[] enteredValues() {
        return Arrays.copyOf(entered, enteredCount);
    }

    /** The values that left, as an array of their own. */
    public int[] leftValues() {
        return Arrays.copyOf(left, leftCount);
    }

    /** The changed plugs as (house, household, plug) triples, in the order of {@link #doubledMedians()}. */
    public long[] plugTriples() {
        long[] triples = new long[3 * plugs.size()];
        for (int i = 0; i < plugs.size(); i++) {
            PlugId id = plugs.get(i);
            triples[3 * i] = id.house();
            triples[3 * i + 1] = id.household();
            triples[3 * i + 2] = id.plug();
        }
        return triples;
    }

    /** The changed plugs' doubled medians, as an array of their own. */
    public long[] doubledMedians() {
        return Arrays.copyOf(medians, plugs.size());
    }

    public boolean isEmpty() {
        return enteredCount == 0 && leftCount == 0 && plugs.isEmpty();
    }

    /** A copy that does not change when this one is reused (for shipping it elsewhere). */
    public WindowChange copy() {
        WindowChange c = new WindowChange(windowSeconds);
        c.time = time;
        c.entered = Arrays.copyOf(entered, Math.max(1, enteredCount));
        c.enteredCount = enteredCount;
        c.left = Arrays.copyOf(left, Math.max(1, leftCount));
        c.leftCount = leftCount;
        c.plugs.addAll(plugs);
        c.medians = Arrays.copyOf(medians, Math.max(1, plugs.size()));
        return c;
    }
}
