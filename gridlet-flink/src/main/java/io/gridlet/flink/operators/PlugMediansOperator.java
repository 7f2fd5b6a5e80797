package io.gridlet.flink.operators;

import io.gridlet.core.model.Measurement;
import io.gridlet.core.model.PlugId;
import io.gridlet.core.q2.PlugMedians;
import io.gridlet.enclave.spill.EncryptedSpillStore;

import java.io.DataInput;
import org.apache.flink.api.common.TaskInfo;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.ChainingStrategy;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;


/**
 * The parallel half of Q2 for the plugs routed here: the core's {@link PlugMedians}. A timestamp is
 * evaluated once the watermark has passed it (every reading of it has arrived) and its window changes are sent on,
 * timestamped with it, before the watermark is forwarded; the end-of-input watermark evaluates what is left.
 *
 * <p>Q2 evaluates every timestamp of the whole stream, also where this instance has no reading (readings leave
 * its windows then). Behind one order gate those are the watermarks (the gate emits one per distinct timestamp):
 * the operator runs as a one-input operator and each watermark {@code w} announces timestamp {@code w + 1}. Behind
 * several gates (a partitioned log) the combined watermark skips timestamps, so each gate also broadcasts the
 * timestamps it releases (its ticks) and the operator runs with them as its second input; readings from a gate
 * ahead of the others are held until the watermark reaches them ({@link ReadingsAhead}).
 *
 * <p>Its state is checkpointed per key group ({@link KeyGroupParts}), held readings with their key group, so
 * plugs move when the job is rescaled.
 */
public final class PlugMediansOperator extends AbstractStreamOperator<WindowChangeRecord>
        implements OneInputStreamOperator<Measurement, WindowChangeRecord>,
        TwoInputStreamOperator<Measurement, Long, WindowChangeRecord> {
    private final int[] windowSeconds;
    private final boolean tickInput;
    private transient PlugMedians medians;
    private transient EncryptedSpillStore spill;
    private transient ReadingsAhead ahead;
    private transient boolean started;
    private transient long dataTime; // the timestamp the last watermark opened (its readings may still come)
    private final Boundary trust;

    public PlugMediansOperator(int[] windowSeconds) {
        this(windowSeconds, Boundary.PLAIN);
    }

    public PlugMediansOperator(int[] windowSeconds, Boundary boundary) {
        this(windowSeconds, boundary, false);
    }

    /**
     * @param tickInput whether the timestamps to evaluate come as a second input (behind several order gates)
     *                  rather than from the watermarks (behind one)
     */
    public PlugMediansOperator(int[] windowSeconds, Boundary boundary, boolean tickInput) {
        this.trust = boundary;
        this.tickInput = tickInput;
        chainingStrategy = ChainingStrategy.ALWAYS; // run in its upstream's thread: no serialization hop
        this.windowSeconds = windowSeconds.clone();
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        ahead = new ReadingsAhead();
        ahead.reportTo(getRuntimeContext());
        KeyGroupParts.Restored restored = KeyGroupParts.read(context, trust, "q2-plugs",
                KeyGroupParts.ownedKeyGroups(getRuntimeContext().getTaskInfo()));
        if (restored.parts().isEmpty()) {
            medians = new PlugMedians(windowSeconds);
        } else {
            started = restored.clock().started();
            dataTime = restored.clock().dataTime();
            medians = PlugMedians.restore(restored.parts());
            for (DataInput part : restored.parts()) ahead.readPart(part);
            checkOwned();
            // a checkpoint from before held readings and ticks existed: its data time was still to be evaluated
            if (started && ahead.tickCount() == 0 && !tickInput) ahead.tick(dataTime);
        }
        spill = trust.spillStore();
        if (spill != null) medians.spillTo(spill, trust.budgetChunks());
    }

    /**
     * Every plug restored here must be routed here: a checkpoint of a Gridlet that routed Q2 by household (until
     * 2026-12-01) cut its parts by household, so at parallelism above 1 a plug's state could land on an instance its
     * readings no longer reach (wrong medians, silently). Such a checkpoint resumes at parallelism 1, where one
     * instance owns every key group; its next checkpoint is cut by plug and rescales as usual. Autoscaling stays off
     * until then: scaled out before that checkpoint, the job would restore the old one again and fail.
     */
    private void checkOwned() {
        TaskInfo task = getRuntimeContext().getTaskInfo();
        for (PlugId plug : medians.plugIds()) checkOwned(task, plug.house(), plug.household(), plug.plug());
        for (Measurement m : ahead.heldReadings()) checkOwned(task, m.houseId(), m.householdId(), m.plugId());
    }

    private void checkOwned(TaskInfo task, long house, long household, long plug) {
        if (KeyGroupParts.owns(task, trust.plugKey(house, household, plug))) return;
        throw new IllegalStateException("the checkpoint restored routes Q2's state by household (a Gridlet before"
                + " 2026-12-01 wrote it): plug " + house + "/" + household + "/" + plug + " does not belong to"
                + " instance " + (task.getIndexOfThisSubtask() + 1) + " of " + task.getNumberOfParallelSubtasks()
                + "; resume it once at parallelism 1 without autoscaling (-p 1 --no-autoscale) until one checkpoint"
                + " completes (it is cut by plug), then rescale");
    }

    /** The window log's resident and spilled chunks, spills and loads (null without a memory budget). */
    long[] spillCounts() {
        return spill == null ? null : medians.spillCounts();
    }

    @Override
    public void close() throws Exception {
        try {
            super.close();
        } finally {
            if (spill != null) spill.close(); // the spilled chunks go with the instance; checkpoints hold the state
        }
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        KeyGroupParts.write(context, getRuntimeContext().getTaskInfo().getMaxNumberOfParallelSubtasks(),
                new KeyGroupParts.Clock(started, dataTime), range -> {
                    byte[][] parts = medians.snapshotParts(range.count(),
                            plug -> range.indexOfOwn(trust.plugKey(plug.house(), plug.household(), plug.plug())));
                    ahead.writeParts(parts,
                            m -> range.indexOfOwn(trust.plugKey(m.houseId(), m.householdId(), m.plugId())));
                    return parts;
                }, trust, "q2-plugs");
    }

    @Override
    protected boolean isUsingCustomRawKeyedState() {
        return true;
    }

    @Override
    public void processElement(StreamRecord<Measurement> element) {
        Measurement m = element.getValue();
        if (!m.isLoad()) return;
        // a reading of the timestamp the watermark opened goes into the windows at once (always so behind one
        // gate); a newer one, from a gate ahead of the others, waits for the watermark
        if (started && m.timestamp() == dataTime) add(m);
        else ahead.hold(m);
    }

    private void add(Measurement m) {
        medians.add(m.timestamp(), m.houseId(), m.householdId(), m.plugId(), (int) m.milliValue());
    }

    @Override
    public void processElement1(StreamRecord<Measurement> element) {
        processElement(element);
    }

    /** A timestamp one of the order gates released readings at: evaluated once the watermark passes it. */
    @Override
    public void processElement2(StreamRecord<Long> tick) {
        ahead.tick(tick.getValue());
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        long w = mark.getTimestamp();
        ahead.release(w, (t, readings) -> {
            for (Measurement m : readings) add(m);
            medians.evaluate(t, change -> {
                if (!change.isEmpty()) output.collect(new StreamRecord<>(WindowChangeRecord.of(change), t));
            });
        });
        if (w != Long.MAX_VALUE) {
            started = true;
            dataTime = w + 1;
            if (!tickInput) ahead.tick(dataTime); // behind one gate: every watermark opens a timestamp
        } else {
            started = false;
        }
        super.processWatermark(mark);
    }
}
