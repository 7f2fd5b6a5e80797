package io.gridlet.flink.operators;

import io.gridlet.core.q2.GlobalShares;
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

import java.io.DataInput;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The global half of Q2 (parallelism 1): the core's {@link GlobalShares}, fed the window changes of every
 * per-plug instance. It holds counts of values, never readings. A timestamp is evaluated once the watermark
 * (the minimum over all inputs) has passed it: by then every instance has sent its changes for it.
 */
public final class GlobalSharesOperator extends AbstractStreamOperator<ResultRecord>
        implements OneInputStreamOperator<WindowChangeRecord, ResultRecord> {
    private final int[] windowSeconds;
    private transient GlobalShares shares;
    private transient TreeMap<Long, List<WindowChangeRecord>> pending;
    private transient ResultSink sink;
    private transient SingleInstanceState state;
    private final Boundary trust;

    public GlobalSharesOperator(int[] windowSeconds) {
        this(windowSeconds, Boundary.PLAIN);
    }

    public GlobalSharesOperator(int[] windowSeconds, Boundary boundary) {
        this.trust = boundary;
        chainingStrategy = ChainingStrategy.ALWAYS; // run in its upstream's thread: no serialization hop
        this.windowSeconds = windowSeconds.clone();
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        state = new SingleInstanceState(context, "q2-global-shares", trust);
        pending = new TreeMap<>();
        DataInput in = state.restored();
        if (in == null) {
            shares = new GlobalShares(windowSeconds);
            return;
        }
        shares = GlobalShares.restore(in);
        int n = in.readInt();
        for (int i = 0; i < n; i++) {
            WindowChangeRecord c = WindowChangeRecord.readFrom(in);
            pending.computeIfAbsent(c.time(), t -> new ArrayList<>()).add(c);
        }
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        state.save(context.getCheckpointId(), out -> {
            shares.snapshot(out);
            int n = 0;
            for (List<WindowChangeRecord> changes : pending.values()) n += changes.size();
            out.writeInt(n);
            for (List<WindowChangeRecord> changes : pending.values()) {
                for (WindowChangeRecord c : changes) c.writeTo(out);
            }
        });
    }

    @Override
    public void open() throws Exception {
        super.open();
        StreamRecord<ResultRecord> reuse = new StreamRecord<>(null);
        sink = new ResultSink() {
            @Override
            public void plugForecast(PlugForecast forecast) {
                throw new IllegalStateException("Q2 emits no forecasts");
            }

            @Override
            public void houseForecast(HouseForecast forecast) {
                throw new IllegalStateException("Q2 emits no forecasts");
            }

            @Override
            public void outlierShare(OutlierShare share) {
                output.collect(reuse.replace(ResultRecord.of(share)));
            }
        };
    }

    @Override
    public void processElement(StreamRecord<WindowChangeRecord> element) {
        WindowChangeRecord c = element.getValue();
        pending.computeIfAbsent(c.time(), t -> new ArrayList<>()).add(c);
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        while (!pending.isEmpty() && pending.firstKey() <= mark.getTimestamp()) {
            Map.Entry<Long, List<WindowChangeRecord>> due = pending.pollFirstEntry();
            for (WindowChangeRecord c : due.getValue()) c.applyTo(shares);
            shares.evaluate(due.getKey(), sink);
        }
        super.processWatermark(mark);
    }
}
