package io.gridlet.flink.operators;

import io.gridlet.core.model.Measurement;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * One of the job's keyed operators run over a stream of readings and watermarks (the order gate's output) in
 * stages, as a job restarted from a savepoint at another parallelism each time: at each cut every instance is
 * snapshot, the snapshots are repackaged and repartitioned by key group over the next stage's instances (as
 * Flink does on a rescale), and each reading goes to the instance that owns its key, each watermark to all.
 */
final class KeyedStages<OUT> {
    /** Flink's default max parallelism at the parallelisms here: the number of key groups. */
    static final int MAX_PARALLELISM = 128;

    private final Supplier<OneInputStreamOperator<Measurement, OUT>> operator;
    private final KeySelector<Measurement, Long> keys;
    private final TypeSerializer<OUT> output;

    /** @param output how the harness copies what the operator emits (null: Flink's type extraction) */
    KeyedStages(Supplier<OneInputStreamOperator<Measurement, OUT>> operator, KeySelector<Measurement, Long> keys,
                TypeSerializer<OUT> output) {
        this.operator = operator;
        this.keys = keys;
        this.output = output;
    }

    /** The instance of {@code parallelism} that owns {@code key} (as keyBy routes it). */
    static int owner(Object key, int parallelism) {
        return KeyGroupRangeAssignment.assignKeyToParallelOperator(key, MAX_PARALLELISM, parallelism);
    }

    /** What one instance that never stops emits, split where the stages are cut ({@code cuts}: element indexes). */
    List<List<Object>> uninterrupted(List<Object> elements, int... cuts) throws Exception {
        List<List<Object>> segments = new ArrayList<>();
        try (KeyedOneInputStreamOperatorTestHarness<Long, Measurement, OUT> h = instance(1, 0, null)) {
            int from = 0, emitted = 0;
            for (int s = 0; s <= cuts.length; s++) {
                int to = s < cuts.length ? cuts[s] : elements.size();
                for (Object e : elements.subList(from, to)) Harnesses.process(h, e);
                List<Object> all = new ArrayList<>(h.getOutput());
                segments.add(new ArrayList<>(all.subList(emitted, all.size())));
                emitted = all.size();
                from = to;
            }
        }
        return segments;
    }

    /**
     * Stage {@code s} runs the elements from {@code cuts[s - 1]} to {@code cuts[s]} on {@code parallelisms[s]}
     * instances, restored from the snapshots of the previous stage's; returns what each instance of each stage
     * emitted (by stage, then instance).
     */
    List<List<List<Object>>> rescaled(List<Object> elements, int[] cuts, int... parallelisms) throws Exception {
        if (cuts.length != parallelisms.length - 1) throw new IllegalArgumentException("a cut between stages");
        List<List<List<Object>>> stages = new ArrayList<>();
        OperatorSubtaskState state = null;
        int previous = 0, from = 0;
        for (int s = 0; s < parallelisms.length; s++) {
            int p = parallelisms[s];
            int to = s < cuts.length ? cuts[s] : elements.size();
            List<KeyedOneInputStreamOperatorTestHarness<Long, Measurement, OUT>> instances = new ArrayList<>();
            for (int i = 0; i < p; i++) {
                instances.add(instance(p, i, state == null ? null
                        : AbstractStreamOperatorTestHarness.repartitionOperatorState(state, MAX_PARALLELISM,
                        previous, p, i), s)); // stage s restores the previous stage's checkpoint, number s
            }
            for (Object e : elements.subList(from, to)) {
                if (e instanceof StreamRecord<?> r) {
                    Harnesses.process(instances.get(owner(keys.getKey((Measurement) r.getValue()), p)), e);
                } else if (e instanceof Watermark) {
                    for (var h : instances) Harnesses.process(h, e);
                } else {
                    throw new IllegalArgumentException("not a stream element: " + e);
                }
            }
            List<List<Object>> outputs = new ArrayList<>();
            OperatorSubtaskState[] snapshots = new OperatorSubtaskState[p];
            for (int i = 0; i < p; i++) {
                var h = instances.get(i);
                outputs.add(new ArrayList<>(h.getOutput()));
                if (s < cuts.length) snapshots[i] = h.snapshot(s + 1, s + 1);
                h.close();
            }
            stages.add(outputs);
            state = s < cuts.length ? AbstractStreamOperatorTestHarness.repackageState(snapshots) : null;
            previous = p;
            from = to;
        }
        return stages;
    }

    /**
     * Instance {@code index} of {@code parallelism}, fresh or restored from its share of a snapshot taken as
     * checkpoint 1, opened.
     */
    KeyedOneInputStreamOperatorTestHarness<Long, Measurement, OUT> instance(int parallelism, int index,
                                                                           OperatorSubtaskState restored)
            throws Exception {
        return instance(parallelism, index, restored, 1);
    }

    /** The same, restored from checkpoint {@code checkpointId} (as Flink tells an operator on a restore). */
    KeyedOneInputStreamOperatorTestHarness<Long, Measurement, OUT> instance(int parallelism, int index,
                                                                           OperatorSubtaskState restored,
                                                                           long checkpointId) throws Exception {
        KeyedOneInputStreamOperatorTestHarness<Long, Measurement, OUT> h = new KeyedOneInputStreamOperatorTestHarness<>(
                operator.get(), keys, Types.LONG, MAX_PARALLELISM, parallelism, index);
        if (output != null) h.setup(output);
        h.setRestoredCheckpointId(checkpointId);
        if (restored == null) h.initializeEmptyState();
        else h.initializeState(restored);
        h.open();
        return h;
    }
}
