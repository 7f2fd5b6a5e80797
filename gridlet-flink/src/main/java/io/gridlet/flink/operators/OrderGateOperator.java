package io.gridlet.flink.operators;

import io.gridlet.core.csv.RejectReason;
import io.gridlet.core.csv.Rejection;
import io.gridlet.core.engine.OrderGate;
import io.gridlet.core.model.Measurement;
import io.gridlet.enclave.sealing.ReadingOpener;
import io.gridlet.enclave.sealing.ReplayGuard;
import io.gridlet.enclave.sealing.SealException;
import io.gridlet.flink.source.SourceRecord;
import io.gridlet.log.LogRecord;
import org.apache.flink.api.common.accumulators.ListAccumulator;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.accumulators.LongMaximum;
import org.apache.flink.api.common.accumulators.LongMinimum;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.ChainingStrategy;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;

import java.io.DataInput;
import java.io.IOException;
import java.util.EnumMap;
import java.util.List;
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
 * in the job result, wherever the job ran. They are checkpointed with the gate's state and carried into each new
 * attempt of the task, so the totals are right after a restart or a rescale.
 */
public final class OrderGateOperator extends AbstractStreamOperator<Measurement>
        implements OneInputStreamOperator<SourceRecord, Measurement>, BoundedOneInput {
    public static final int MAX_EXAMPLES = 10;
    /**
     * Each distinct timestamp the gate releases readings at, once, just after the watermark that opens it: what Q2
     * evaluates behind several gates (see {@link PlugMediansOperator}). Emitted only by a partitioned gate.
     */
    public static final OutputTag<Long> TICKS = new OutputTag<>("ticks", Types.LONG);

    private final long maxLateness;
    private final long linesPerSecond;
    private transient long paceStart, paced;
    private transient OrderGate gate;
    private transient ReplayGuard replays;
    private transient Map<RejectReason, LongCounter> rejected;
    private transient ListAccumulator<Rejection> examples;
    private transient LongCounter lines, loads, works, rounded;
    private transient LongMinimum firstTime;
    private transient LongMaximum lastTime;
    private transient long examplesKept;
    private transient long dataTime;
    private transient boolean started;
    private transient StreamRecord<Measurement> reuse;
    private transient SingleInstanceState state;
    private final Boundary trust;
    private transient DataInput restored; // read in two steps: the gate before open, the counts in it
    private final boolean partitioned;
    private transient long lastMark; // the last watermark emitted (Long.MIN_VALUE: none)
    private transient boolean inputEnded;

    public OrderGateOperator(long maxLatenessSeconds) {
        this(maxLatenessSeconds, 0);
    }

    /** @param linesPerSecond replay at most this many input lines per second (0: as fast as possible) */
    public OrderGateOperator(long maxLatenessSeconds, long linesPerSecond) {
        this(maxLatenessSeconds, linesPerSecond, Boundary.PLAIN);
    }

    public OrderGateOperator(long maxLatenessSeconds, long linesPerSecond, Boundary boundary) {
        this(maxLatenessSeconds, linesPerSecond, boundary, false);
    }

    /**
     * @param partitioned whether this gate is one of several, each over one partition of the log: it then also
     *                    emits its {@link #TICKS}, and the service's clock moves its watermark when its partition
     *                    has no readings (an idle partition must not hold data time back)
     */
    public OrderGateOperator(long maxLatenessSeconds, long linesPerSecond, Boundary boundary, boolean partitioned) {
        this.partitioned = partitioned;
        this.trust = boundary;
        chainingStrategy = ChainingStrategy.ALWAYS; // run in its upstream's thread: no serialization hop
        if (linesPerSecond < 0) throw new IllegalArgumentException("replay rate must be >= 0");
        this.maxLateness = maxLatenessSeconds;
        this.linesPerSecond = linesPerSecond;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        // a gate of several (one per log partition) seals its state as its partition's: not restorable into another
        int subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        state = new SingleInstanceState(context, "order-gate", trust,
                partitioned ? "order-gate/" + subtask : "order-gate");
        restored = state.restored();
        gate = restored == null ? new OrderGate(maxLateness, this::reject)
                : OrderGate.restore(restored, maxLateness, this::reject);
        replays = new ReplayGuard();
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        state.save(context.getCheckpointId(), out -> {
            gate.snapshot(out);
            out.writeBoolean(started);
            out.writeLong(dataTime);
            out.writeLong(examplesKept);
            for (LongCounter c : List.of(lines, loads, works, rounded)) out.writeLong(c.getLocalValuePrimitive());
            out.writeLong(firstTime.getLocalValuePrimitive());
            out.writeLong(lastTime.getLocalValuePrimitive());
            out.writeInt(RejectReason.values().length);
            for (RejectReason r : RejectReason.values()) {
                out.writeUTF(r.name());
                out.writeLong(rejected.get(r).getLocalValuePrimitive());
            }
            List<Rejection> kept = examples.getLocalValue();
            out.writeInt(kept.size());
            for (Rejection e : kept) {
                out.writeLong(e.lineNumber());
                out.writeUTF(e.reason().name());
                out.writeUTF(e.message());
                out.writeUTF(e.text());
            }
            byte[] marks = replays.snapshot(); // each meter's last sealed reading (sealed with the rest)
            out.writeInt(marks.length);
            out.write(marks);
        });
    }

    /** Counts carried over from the checkpoint: accumulators start from zero in every new attempt of the task. */
    private void restoreCounts(DataInput in) throws IOException {
        started = in.readBoolean();
        dataTime = in.readLong();
        examplesKept = in.readLong();
        for (LongCounter c : List.of(lines, loads, works, rounded)) c.add(in.readLong());
        firstTime.add(in.readLong());
        lastTime.add(in.readLong());
        int reasons = in.readInt();
        for (int i = 0; i < reasons; i++) {
            String name = in.readUTF();
            long n = in.readLong();
            rejected.get(RejectReason.valueOf(name)).add(n);
        }
        int kept = in.readInt();
        for (int i = 0; i < kept; i++) {
            examples.add(new Rejection(in.readLong(), RejectReason.valueOf(in.readUTF()), in.readUTF(),
                    in.readUTF()));
        }
        byte[] marks = new byte[in.readInt()];
        in.readFully(marks);
        replays.restore(marks);
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
        if (restored != null) {
            restoreCounts(restored);
            restored = null;
        }
        reuse = new StreamRecord<>(null);
        lastMark = started ? dataTime - 1 : Long.MIN_VALUE;
    }

    private LongCounter counter(String name) {
        LongCounter c = new LongCounter();
        getRuntimeContext().addAccumulator(name, c);
        return c;
    }

    private void reject(long line, RejectReason reason, String message, CharSequence text) {
        rejected.get(reason).add(1);
        if (examplesKept++ < MAX_EXAMPLES) {
            // inside a sealed boundary an example names its line, never its content (ids, values)
            String shown = trust.isSealed() ? "(line " + line + ", content withheld in a sealed run)"
                    : text.toString();
            // (why a sealed reading did not open names no content: its key id, or that its tag or routing failed)
            String why = trust.isSealed() && reason != RejectReason.UNOPENABLE ? reason.toString() : message;
            // (behind several gates a line number counts the readings of one partition: it names the gate, whose
            // partition is the same number for a local log; Kafka's source may hand a gate another partition)
            if (partitioned) {
                why += " (order gate " + getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() + ")";
            }
            examples.add(new Rejection(line, reason, why, shown));
        }
    }

    @Override
    public void processElement(StreamRecord<SourceRecord> element) throws InterruptedException {
        SourceRecord p = element.getValue();
        if (p.isClock()) { // the live service's data time: it, not the newest timestamp, releases readings
            gate.advanceClock(p.clock(), this::emit);
            // nothing older than the clock minus the lateness leaves the gate from now on (it refuses it as late);
            // a clock of 0 is the service's before any reading (no data time yet): it opens no time (the keyed stages
            // would start at -lateness and cross every Q1 boundary from there to the first reading)
            if (partitioned && p.clock() > LogRecord.BEFORE_DATA_TIME && p.clock() - maxLateness - 1 > lastMark) {
                mark(p.clock() - maxLateness - 1);
            }
            return;
        }
        int n = p.isSealed() ? p.sealed().count() : 1; // (a sealed record is a block of readings)
        lines.add(n);
        if (linesPerSecond > 0) pace(n);
        if (p.isReading()) {
            if (p.rounded()) rounded.add(1);
            gate.offer(p.reading(), p.line(), this::emit);
        } else if (p.isSealed() || p.isOpened()) {
            if (p.isOpened() && !trust.isSealed()) { // opened by a source whose boundary is not this job's
                reject(p.line(), RejectReason.UNOPENABLE, "an opened reading in a plain run", "record " + p.line());
                return;
            }
            if (p.isOpened()) {
                admit(p.opened(), p.line()); // opened by the source already (inside the boundary)
                return;
            }
            List<ReadingOpener.Opened> opened;
            try {
                opened = trust.open(p.sealed()); // inside the boundary: the readings exist in the clear only here on
            } catch (SealException e) { // each reading of a block that does not open is refused
                rejectAll(p, e.reason() == SealException.Reason.NOT_OWNED ? RejectReason.NOT_OWNED
                        : RejectReason.UNOPENABLE, "sealed reading refused (" + e.reason() + "): " + e.getMessage());
                return;
            } catch (IllegalStateException e) {
                rejectAll(p, RejectReason.UNOPENABLE, e.getMessage());
                return;
            }
            for (int i = 0; i < opened.size(); i++) admit(opened.get(i), p.line() + i);
        } else {
            reject(p.line(), p.reason(), p.message(), p.text());
        }
    }

    private void rejectAll(SourceRecord block, RejectReason reason, String message) {
        for (int i = 0; i < block.sealed().count(); i++) {
            reject(block.line() + i, reason, message, "record " + (block.line() + i));
        }
    }

    /** An opened reading to the gate, unless its meter sent it before (refused as replayed). */
    private void admit(ReadingOpener.Opened o, long line) {
        ReplayGuard.Verdict v = replays.check(o);
        if (v != ReplayGuard.Verdict.FRESH) {
            reject(line, v == ReplayGuard.Verdict.REPLAYED ? RejectReason.REPLAYED : RejectReason.UNOPENABLE,
                    v == ReplayGuard.Verdict.REPLAYED ? "sealed reading " + o.seq() + " of " + o.meter().name()
                            + "'s epoch " + o.epoch() + " came before"
                            : v == ReplayGuard.Verdict.FUTURE_EPOCH ? "sealed reading refused: " + o.meter().name()
                            + "'s epoch " + o.epoch() + " is in the future"
                            : "sealed reading refused: the boundary remembers " + ReplayGuard.MAX_METERS
                            + " meters already", "record " + line);
            return;
        }
        gate.offer(o.reading(), line, this::emit);
    }

    /** Holds the replay to its rate (checked every 64 lines or more, so the sleeps are a millisecond or more). */
    private void pace(int n) throws InterruptedException {
        if (paced == 0) paceStart = System.nanoTime();
        long before = paced;
        paced += n;
        if (before >> 6 == paced >> 6) return;
        long due = paceStart + (long) (paced * 1e9 / linesPerSecond);
        long ahead = due - System.nanoTime();
        if (ahead > 0) Thread.sleep(ahead / 1_000_000, (int) (ahead % 1_000_000));
    }

    private void emit(Measurement m) {
        long ts = m.timestamp();
        if (!started || ts > dataTime) {
            if (ts - 1 > lastMark) mark(ts - 1);
            if (partitioned) output.collect(TICKS, new StreamRecord<>(ts, ts));
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

    private void mark(long w) {
        lastMark = w;
        output.emitWatermark(new Watermark(w));
    }

    /** The source's idleness says nothing about data time: the gate's watermarks are its own (never idle). */
    @Override
    public void processWatermarkStatus(WatermarkStatus status) {
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        // only the end of input passes: the clock is ours (the source's watermarks only pace its reader)
        if (mark.getTimestamp() == Long.MAX_VALUE) finishInput();
    }

    /**
     * The end of input, told directly as well as by the end-of-time watermark: a watermark from a source that was
     * ever marked idle does not reach its chained operator, and the held readings must still go out.
     */
    @Override
    public void endInput() throws Exception {
        finishInput();
    }

    private void finishInput() throws Exception {
        if (inputEnded) return;
        inputEnded = true;
        gate.flush(this::emit);
        super.processWatermark(Watermark.MAX_WATERMARK);
    }
}
