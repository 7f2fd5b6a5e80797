package io.gridlet.flink.operators;

import io.gridlet.core.model.Measurement;
import io.gridlet.core.q1.Forecaster;
import io.gridlet.core.q1.LoadForecast;
import io.gridlet.core.result.HouseForecast;
import io.gridlet.core.result.OutlierShare;
import io.gridlet.core.result.PlugForecast;
import io.gridlet.core.result.ResultSink;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.ChainingStrategy;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;


/**
 * Q1 for the houses routed to this instance (the stream is keyed by house, so a house's plugs are all here and
 * its sums are local): the core's {@link LoadForecast}, fed the load readings, its 30-second boundaries crossed
 * when the watermark says the data time moved ({@link OrderGateOperator}). The end-of-input watermark crosses
 * nothing: the spec has no final flush.
 *
 * <p>Its state is checkpointed per key group ({@link KeyGroupParts}): each house's state can move to another
 * instance when the job is rescaled.
 */
public final class LoadForecastOperator extends AbstractStreamOperator<ResultRecord>
        implements OneInputStreamOperator<Measurement, ResultRecord> {
    private final long epoch;
    private final int[] sliceSeconds;
    private final Forecaster forecaster;
    private final Boundary trust;
    private transient LoadForecast q1;
    private transient boolean started;
    private transient long dataTime;
    private transient long boundary; // the boundary being crossed, the order key of its lines
    private transient StreamRecord<ResultRecord> reuse;
    private transient ResultSink sink;
    private transient ReadingsAhead ahead;

    public LoadForecastOperator(long epoch, int[] sliceSeconds) {
        this(epoch, sliceSeconds, Boundary.PLAIN);
    }

    public LoadForecastOperator(long epoch, int[] sliceSeconds, Boundary boundary) {
        this(epoch, sliceSeconds, Forecaster.SPEC, boundary);
    }

    public LoadForecastOperator(long epoch, int[] sliceSeconds, Forecaster forecaster, Boundary boundary) {
        this.forecaster = forecaster;
        this.trust = boundary;
        chainingStrategy = ChainingStrategy.ALWAYS; // run in its upstream's thread: no serialization hop
        this.epoch = epoch;
        this.sliceSeconds = sliceSeconds.clone();
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        ahead = new ReadingsAhead();
        ahead.reportTo(getRuntimeContext());
        KeyGroupParts.Restored restored = KeyGroupParts.read(context, trust, "q1",
                KeyGroupParts.ownedKeyGroups(getRuntimeContext().getTaskInfo()));
        if (restored.parts().isEmpty()) {
            q1 = new LoadForecast(epoch, forecaster, sliceSeconds);
            return;
        }
        started = restored.clock().started();
        dataTime = restored.clock().dataTime();
        q1 = LoadForecast.restore(restored.parts());
        for (java.io.DataInput part : restored.parts()) ahead.readPart(part);
        if (q1.forecaster() != forecaster) {
            throw new IllegalStateException("the checkpoint's Q1 forecasts with " + q1.forecaster().label()
                    + ", this job with " + forecaster.label() + ": resume with the same forecaster");
        }
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        KeyGroupParts.write(context, getRuntimeContext().getTaskInfo().getMaxNumberOfParallelSubtasks(),
                new KeyGroupParts.Clock(started, dataTime),
                range -> {
                    byte[][] parts = q1.snapshotParts(range.count(), house -> range.indexOfOwn(trust.houseKey(house)));
                    ahead.writeParts(parts, m -> range.indexOfOwn(trust.houseKey(m.houseId())));
                    return parts;
                }, trust, "q1");
    }

    @Override
    protected boolean isUsingCustomRawKeyedState() {
        return true;
    }

    @Override
    public void open() throws Exception {
        super.open();
        reuse = new StreamRecord<>(null);
        sink = newSink();
    }

    @Override
    public void processElement(StreamRecord<Measurement> element) {
        Measurement m = element.getValue();
        if (!m.isLoad()) return;
        // a reading of the data time the watermark opened is used at once (always so with one order gate); a newer
        // one, from a gate ahead of the others, waits for the watermark
        if (started && m.timestamp() == dataTime) add(m);
        else ahead.hold(m);
    }

    private void add(Measurement m) {
        q1.add(m.houseId(), m.householdId(), m.plugId(), m.milliValue());
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        long w = mark.getTimestamp();
        // readings held for a time the watermark reached: data time moves to each in turn (at the end of input to
        // every one left: as in the core, a reading's arrival crosses the boundaries before it)
        long now = w == Long.MAX_VALUE ? w : w + 1;
        ahead.release(now, (t, readings) -> {
            moveTo(t);
            for (Measurement m : readings) add(m);
        });
        if (w != Long.MAX_VALUE) moveTo(now); // the end of input crosses nothing: the spec has no final flush
        super.processWatermark(mark);
    }

    /** Data time moves to {@code now}: the boundaries up to it are crossed (none before the first data time). */
    private void moveTo(long now) {
        if (started) {
            for (long b = q1.firstBoundaryAfter(dataTime); b <= now; b += LoadForecast.BOUNDARY_SECONDS) {
                boundary = b;
                q1.crossBoundary(b, sink);
            }
        }
        started = true;
        dataTime = now;
    }

    /** Sends Q1's results on, keyed by the boundary being crossed. */
    private ResultSink newSink() {
        return new ResultSink() {
            @Override
            public void plugForecast(PlugForecast f) {
                output.collect(reuse.replace(ResultRecord.of(boundary, f)));
            }

            @Override
            public void houseForecast(HouseForecast f) {
                output.collect(reuse.replace(ResultRecord.of(boundary, f)));
            }

            @Override
            public void outlierShare(OutlierShare s) {
                throw new IllegalStateException("Q1 emits no outlier shares");
            }
        };
    }
}
