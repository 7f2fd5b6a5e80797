package io.gridlet.core.engine;

import io.gridlet.core.model.Measurement;
import io.gridlet.core.q1.LoadForecast;
import io.gridlet.core.q2.OutlierDetection;
import io.gridlet.core.result.ResultSink;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * Runs both queries over one stream of valid readings in timestamp order, keeping the data time: the largest
 * timestamp read so far. When a reading moves the data time, Q2 evaluates the previous timestamp and Q1 handles
 * every 30-second boundary crossed, both before the reading is applied. {@link #finish()} is the end of input.
 */
public final class QueryEngine {
    private final LoadForecast q1;
    private final OutlierDetection q2;
    private final ResultSink sink;
    private boolean started;
    private long dataTime;

    public QueryEngine(QueryConfig config, ResultSink sink) {
        this(new LoadForecast(config.epoch(), config.forecaster(), config.sliceSeconds()),
                new OutlierDetection(config.windowSeconds()), sink, false, 0);
    }

    private QueryEngine(LoadForecast q1, OutlierDetection q2, ResultSink sink, boolean started, long dataTime) {
        this.q1 = q1;
        this.q2 = q2;
        this.sink = sink;
        this.started = started;
        this.dataTime = dataTime;
    }

    /** Applies one valid reading; its timestamp must not be older than the data time. */
    public void accept(Measurement m) {
        long ts = m.timestamp();
        if (!started) {
            started = true;
            dataTime = ts;
        } else if (ts > dataTime) {
            q2.evaluate(dataTime, sink);
            q1.crossBoundaries(dataTime, ts, sink);
            dataTime = ts;
        } else if (ts < dataTime) {
            throw new IllegalArgumentException("reading " + m.id() + " at " + ts + " is older than the data time "
                    + dataTime + "; order the input first (OrderGate)");
        }
        if (m.isLoad()) {
            q1.add(m.houseId(), m.householdId(), m.plugId(), m.milliValue());
            q2.add(ts, m.houseId(), m.householdId(), m.plugId(), (int) m.milliValue());
        }
    }

    /** End of input: Q2 evaluates the last timestamp. Q1 emits nothing more (no boundary was crossed). */
    public void finish() {
        if (started) q2.evaluate(dataTime, sink);
    }

    /** The largest timestamp applied, or {@code Long.MIN_VALUE} before the first reading. */
    public long dataTime() {
        return started ? dataTime : Long.MIN_VALUE;
    }

    /** Load readings held by Q2's windows. */
    public long windowReadings() {
        return q2.readingsHeld();
    }

    private static final int SNAPSHOT_VERSION = 1;

    /**
     * Writes the engine's whole state. Take it between readings; {@link #restore} continues as if uninterrupted,
     * given the readings after the snapshot.
     */
    public void snapshot(DataOutput out) throws IOException {
        out.writeInt(SNAPSHOT_VERSION);
        out.writeBoolean(started);
        out.writeLong(dataTime);
        q1.snapshot(out);
        q2.snapshot(out);
    }

    public static QueryEngine restore(DataInput in, ResultSink sink) throws IOException {
        int version = in.readInt();
        if (version != SNAPSHOT_VERSION) throw new IOException("unknown engine snapshot version " + version);
        boolean started = in.readBoolean();
        long dataTime = in.readLong();
        LoadForecast q1 = LoadForecast.restore(in);
        OutlierDetection q2 = OutlierDetection.restore(in);
        return new QueryEngine(q1, q2, sink, started, dataTime);
    }
}
