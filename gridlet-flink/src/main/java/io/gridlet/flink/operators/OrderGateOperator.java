package io.gridlet.flink.operators;

import io.gridlet.core.csv.OrderGate;
import io.gridlet.core.csv.RejectReason;
import io.gridlet.core.csv.Rejection;
import io.gridlet.core.model.Measurement;
import io.gridlet.flink.source.Parsed;
import org.apache.flink.api.common.accumulators.ListAccumulator;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.accumulators.LongMaximum;
import org.apache.flink.api.common.accumulators.LongMinimum;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.ChainingStrategy;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

import java.util.EnumMap;
import java.util.Map;

/**
 * The one place where the stream gets its order and its clock (parallelism 1): counts rejected lines, drops late
 * readings with the core's {@link OrderGate}, and emits, before the first reading of each new timestamp
 * {@code ts}, the watermark {@code ts - 1}. Downstream, a watermark {@code w} thus means "data time is now w + 1,
 * and every reading before it has arrived": exactly the moment the spec crosses Q1's boundaries and evaluates
 * Q2. (Flink's own watermark operator emits after the element, one reading too late for that.) Only load
 * readings go on: work readings count, and move the clock, but enter neither query.
 *
 * <p>What it counted is in accumulators (see {@link GateCounts}), so the client sees it while the job runs and
 * in the job result, wherever the job ran.
 */
public final class OrderGateOperator extends AbstractStreamOperator<Measurement>
        implements OneInputStreamOperator<Parsed, Measurement> {
    public static final int MAX_EXAMPLES = 10;

    private final long maxLateness;
    private transient OrderGate gate;
    private transient Map<RejectReason, LongCounter> rejected;
    private transient ListAccumulator<Rejection> examples;
    private transient LongCounter lines, loads, works, rounded;
    private transient LongMinimum firstTime;
    private transient LongMaximum lastTime;
    private transient long examplesKept;
    private transient long dataTime;
    private transient boolean started;
    private transient StreamRecord<Measurement> reuse;

    public OrderGateOperator(long maxLatenessSeconds) {
        chainingStrategy = ChainingStrategy.ALWAYS; // run in its upstream's thread: no serialization hop
        this.maxLateness = maxLatenessSeconds;
    }

    @Override
    public void open() throws Exception {
        super.open();
        rejected = new EnumMap<>(RejectReason.class);
        for (RejectReason r : RejectReason.values()) {
            rejected.put(r, counter(GateCounts.rejectedName(r)));
        }
        examples = new ListAccumulator<>();
        getRuntimeContext().addAccumulator(GateCounts.EXAMPLES, examples);
        lines = counter(GateCounts.LINES);
        loads = counter(GateCounts.LOADS);
        works = counter(GateCounts.WORKS);
        rounded = counter(GateCounts.ROUNDED);
        firstTime = new LongMinimum();
        getRuntimeContext().addAccumulator(GateCounts.FIRST_TIME, firstTime);
        lastTime = new LongMaximum();
        getRuntimeContext().addAccumulator(GateCounts.DATA_TIME, lastTime);
        gate = new OrderGate(maxLateness, this::reject);
        reuse = new StreamRecord<>(null);
    }

    private LongCounter counter(String name) {
        LongCounter c = new LongCounter();
        getRuntimeContext().addAccumulator(name, c);
        return c;
    }

    private void reject(long line, RejectReason reason, String message, CharSequence text) {
        rejected.get(reason).add(1);
        if (examplesKept++ < MAX_EXAMPLES) examples.add(new Rejection(line, reason, message, text.toString()));
    }

    @Override
    public void processElement(StreamRecord<Parsed> element) {
        Parsed p = element.getValue();
        lines.add(1);
        if (p.isReading()) {
            if (p.rounded()) rounded.add(1);
            gate.offer(p.reading(), p.line(), this::emit);
        } else {
            reject(p.line(), p.reason(), p.message(), p.text());
        }
    }

    private void emit(Measurement m) {
        long ts = m.timestamp();
        if (!started || ts > dataTime) {
            output.emitWatermark(new Watermark(ts - 1));
            if (!started) firstTime.add(ts);
            started = true;
            dataTime = ts;
            lastTime.add(ts);
        }
        // work readings only move the clock, which the watermark now carries; the queries use loads
        if (m.isLoad()) {
            loads.add(1);
            output.collect(reuse.replace(m, ts));
        } else {
            works.add(1);
        }
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        // only the end of input passes: the clock is ours
        if (mark.getTimestamp() == Long.MAX_VALUE) {
            gate.flush(this::emit);
            super.processWatermark(mark);
        }
    }
}
