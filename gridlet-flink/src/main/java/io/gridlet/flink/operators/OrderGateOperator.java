package io.gridlet.flink.operators;

import io.gridlet.core.csv.OrderGate;
import io.gridlet.core.csv.RejectReason;
import io.gridlet.core.model.Measurement;
import io.gridlet.flink.source.Parsed;
import org.apache.flink.api.common.accumulators.ListAccumulator;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
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
 * Q2. (Flink's own watermark operator emits after the element, one reading too late for that.)
 *
 * <p>Rejections are counted in accumulators {@code rejected.<reason>}, the first few kept in
 * {@code rejected.examples}, so the client sees them in the job result wherever the job ran.
 */
public final class OrderGateOperator extends AbstractStreamOperator<Measurement>
        implements OneInputStreamOperator<Parsed, Measurement> {
    public static final String EXAMPLES = "rejected.examples";
    public static final int MAX_EXAMPLES = 10;

    private final long maxLateness;
    private transient OrderGate gate;
    private transient Map<RejectReason, LongCounter> counters;
    private transient ListAccumulator<String> examples;
    private transient long examplesKept;
    private transient long dataTime;
    private transient boolean started;
    private transient StreamRecord<Measurement> reuse;

    public OrderGateOperator(long maxLatenessSeconds) {
        this.maxLateness = maxLatenessSeconds;
    }

    public static String counterName(RejectReason reason) {
        return "rejected." + reason.label();
    }

    @Override
    public void open() throws Exception {
        super.open();
        counters = new EnumMap<>(RejectReason.class);
        for (RejectReason r : RejectReason.values()) {
            LongCounter c = new LongCounter();
            getRuntimeContext().addAccumulator(counterName(r), c);
            counters.put(r, c);
        }
        examples = new ListAccumulator<>();
        getRuntimeContext().addAccumulator(EXAMPLES, examples);
        gate = new OrderGate(maxLateness, this::reject);
        reuse = new StreamRecord<>(null);
    }

    private void reject(long line, RejectReason reason, String message, CharSequence text) {
        counters.get(reason).add(1);
        if (examplesKept++ < MAX_EXAMPLES) {
            examples.add("line " + line + ": " + reason.label() + ": " + message + " [" + text + "]");
        }
    }

    @Override
    public void processElement(StreamRecord<Parsed> element) {
        Parsed p = element.getValue();
        if (p.isReading()) gate.offer(p.reading(), p.line(), this::emit);
        else reject(p.line(), p.reason(), p.message(), p.text());
    }

    private void emit(Measurement m) {
        long ts = m.timestamp();
        if (!started || ts > dataTime) {
            output.emitWatermark(new Watermark(ts - 1));
            started = true;
            dataTime = ts;
        }
        output.collect(reuse.replace(m, ts));
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
