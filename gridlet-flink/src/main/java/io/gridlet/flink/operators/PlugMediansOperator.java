package io.gridlet.flink.operators;

import io.gridlet.core.model.Measurement;
import io.gridlet.core.q2.PlugMedians;
import io.gridlet.enclave.spill.EncryptedSpillStore;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.ChainingStrategy;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;


/**
 * The parallel half of Q2 for the households routed here: the core's {@link PlugMedians}. Each watermark means a
 * new distinct timestamp arrived, so the previous one is complete: it is evaluated and its window changes are
 * sent on (timestamped with it) before the watermark is forwarded. The end-of-input watermark evaluates the last.
 * Its state is checkpointed per key group ({@link KeyGroupParts}), so households move when the job is rescaled.
 */
public final class PlugMediansOperator extends AbstractStreamOperator<WindowChangeRecord>
        implements OneInputStreamOperator<Measurement, WindowChangeRecord> {
    private final int[] windowSeconds;
    private transient PlugMedians medians;
    private transient EncryptedSpillStore spill;
    private transient boolean started;
    private transient long dataTime;
    private final Boundary trust;

    public PlugMediansOperator(int[] windowSeconds) {
        this(windowSeconds, Boundary.PLAIN);
    }

    public PlugMediansOperator(int[] windowSeconds, Boundary boundary) {
        this.trust = boundary;
        chainingStrategy = ChainingStrategy.ALWAYS; // run in its upstream's thread: no serialization hop
        this.windowSeconds = windowSeconds.clone();
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        KeyGroupParts.Restored restored = KeyGroupParts.read(context, trust, "q2-plugs",
                KeyGroupParts.ownedKeyGroups(getRuntimeContext().getTaskInfo()));
        if (restored.parts().isEmpty()) {
            medians = new PlugMedians(windowSeconds);
        } else {
            started = restored.clock().started();
            dataTime = restored.clock().dataTime();
            medians = PlugMedians.restore(restored.parts());
        }
        spill = trust.spillStore();
        if (spill != null) medians.spillTo(spill, trust.budgetChunks());
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
                new KeyGroupParts.Clock(started, dataTime), range -> medians.snapshotParts(range.count(),
                        plug -> range.indexOfOwn(trust.householdKey(plug.house(), plug.household()))), trust,
                "q2-plugs");
    }

    @Override
    protected boolean isUsingCustomRawKeyedState() {
        return true;
    }

    @Override
    public void processElement(StreamRecord<Measurement> element) {
        Measurement m = element.getValue();
        if (m.isLoad()) {
            medians.add(m.timestamp(), m.houseId(), m.householdId(), m.plugId(), (int) m.milliValue());
        }
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        if (started) {
            long t = dataTime;
            medians.evaluate(t, change -> {
                if (!change.isEmpty()) output.collect(new StreamRecord<>(WindowChangeRecord.of(change), t));
            });
        }
        if (mark.getTimestamp() != Long.MAX_VALUE) {
            started = true;
            dataTime = mark.getTimestamp() + 1;
        } else {
            started = false;
        }
        super.processWatermark(mark);
    }
}
