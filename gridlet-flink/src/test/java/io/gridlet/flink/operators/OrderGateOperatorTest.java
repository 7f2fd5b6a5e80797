package io.gridlet.flink.operators;

import io.gridlet.core.csv.RejectReason;
import io.gridlet.core.csv.Rejection;
import io.gridlet.core.csv.Rejections;
import io.gridlet.core.engine.OrderGate;
import io.gridlet.core.generate.GeneratorConfig;
import io.gridlet.core.model.Measurement;
import io.gridlet.core.model.Property;
import io.gridlet.flink.source.SourceRecord;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static io.gridlet.flink.operators.Harnesses.counts;
import static io.gridlet.flink.operators.Harnesses.feed;
import static io.gridlet.flink.operators.Harnesses.gate;
import static io.gridlet.flink.operators.Harnesses.summary;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The order gate driven as an operator: its exact output (readings in timestamp order, each new timestamp's
 * watermark right before its first reading), what it rejects and counts, and a restart from its snapshot. The
 * oracle for generated input is the core's {@link OrderGate} fed the same records.
 */
class OrderGateOperatorTest {
    static final long LATENESS = 5;

    @TempDir
    static Path dir;

    /** Out-of-order readings within the lateness of 5 s, a late one, a bad line, work readings. */
    static final Measurement a = load(1, 100, 1), b = load(2, 103, 2), c = load(3, 101, 1), d = work(4, 100, 1),
            e = load(5, 107, 1), f = load(6, 101, 2), g = load(7, 102, 2), h = load(8, 110, 1), i = work(9, 108, 2);

    static List<SourceRecord> handWritten() {
        return List.of(SourceRecord.reading(1, a, false), SourceRecord.reading(2, b, false),
                SourceRecord.reading(3, c, false), SourceRecord.reading(4, d, false),
                SourceRecord.reading(5, e, false), // 107: what is older than 102 is safe: 100 (a, d), 101 (c)
                SourceRecord.reading(6, f, false), // 101 < 107 - 5: late
                SourceRecord.reading(7, g, false), // 102 = 107 - 5: still in time
                SourceRecord.rejected(8, RejectReason.BAD_NUMBER, "value is not a number", "x,y"),
                SourceRecord.reading(9, h, true), // 110: safe before 105: 102 (g), 103 (b)
                SourceRecord.reading(10, i, false)); // 108, a work reading: held
    }

    @Test
    void emitsTheWatermarkOfATimestampBeforeItsFirstReading() throws Exception {
        try (OneInputStreamOperatorTestHarness<SourceRecord, Measurement> gate = gate(new OrderGateOperator(LATENESS),
                null)) {
            feed(gate, handWritten());
            assertThat(List.copyOf(gate.getOutput())).containsExactly(
                    new Watermark(99), record(a), // d, a work reading of 100, moves no clock further and goes nowhere
                    new Watermark(100), record(c),
                    new Watermark(101), record(g),
                    new Watermark(102), record(b));
            gate.processWatermark(Long.MAX_VALUE); // end of input: the held readings, in order, then the end
            assertThat(List.copyOf(gate.getOutput())).endsWith(
                    new Watermark(102), record(b),
                    new Watermark(106), record(e),
                    new Watermark(107), // i, a work reading: its timestamp is data time, though no reading goes on
                    new Watermark(109), record(h),
                    Watermark.MAX_WATERMARK);
        }
    }

    @Test
    void passesNoUpstreamWatermarkButTheEndOfInput() throws Exception {
        try (OneInputStreamOperatorTestHarness<SourceRecord, Measurement> gate = gate(new OrderGateOperator(LATENESS),
                null)) {
            feed(gate, handWritten());
            int before = gate.getOutput().size();
            gate.processWatermark(1_000); // the clock is the gate's: a watermark from upstream neither passes nor flushes
            assertThat(gate.getOutput()).hasSize(before);
            gate.processWatermark(Long.MAX_VALUE);
            assertThat(List.copyOf(gate.getOutput()).subList(before, gate.getOutput().size())).containsExactly(
                    new Watermark(106), record(e), new Watermark(107), new Watermark(109), record(h),
                    Watermark.MAX_WATERMARK);
        }
    }

    /**
     * One gate of several (a partitioned log) on the service's clock: the clock moves its watermark to clock -
     * lateness - 1, except the clock 0 the service logs before any reading (data time does not exist yet: a
     * watermark there would start the keyed stages at -lateness); the source's idleness does not pass.
     */
    @Test
    void aPartitionsGateMovesWithTheServicesClockFromItsFirstDataTime() throws Exception {
        try (OneInputStreamOperatorTestHarness<SourceRecord, Measurement> gate = gate(
                new OrderGateOperator(LATENESS, 0, Boundary.PLAIN, true), null)) {
            gate.processElement(new StreamRecord<>(SourceRecord.clock(0)));
            gate.processElement(new StreamRecord<>(SourceRecord.reading(1, a, false)));
            gate.processWatermarkStatus(org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus.IDLE);
            assertThat(gate.getOutput()).as("nothing before data time exists").isEmpty();
            gate.processElement(new StreamRecord<>(SourceRecord.clock(103)));
            gate.processElement(new StreamRecord<>(SourceRecord.clock(107))); // a (100) is safe: before 102
            assertThat(List.copyOf(gate.getOutput())).containsExactly(new Watermark(97), new Watermark(99), record(a),
                    new Watermark(101));
            assertThat(Harnesses.<Long>values(new ArrayList<>(gate.getSideOutput(OrderGateOperator.TICKS))))
                    .containsExactly(100L);
            gate.processElement(new StreamRecord<>(SourceRecord.reading(2, c, false))); // 101 < 107 - 5: late
            assertThat(counts(gate).rejections().examples()).singleElement().satisfies(r -> {
                assertThat(r.lineNumber()).isEqualTo(2); // a reading of this partition: it is named
                assertThat(r.message()).endsWith("(order gate 0)");
            });
        }
    }

    /** Each gate of several keeps its first examples; the counts show as many as one gate keeps. */
    @Test
    void theExamplesOfSeveralGatesAreShownUpToOneGatesShare() {
        List<Rejection> kept = new ArrayList<>();
        for (int i = 0; i < 3 * OrderGateOperator.MAX_EXAMPLES; i++) {
            kept.add(new Rejection(i, RejectReason.LATE, "late (order gate " + i % 3 + ")", "x"));
        }
        GateCounts counts = GateCounts.from(Map.of(GateCounts.EXAMPLES, kept,
                GateCounts.rejectedName(RejectReason.LATE), 30L));
        assertThat(counts.rejections().examples()).hasSize(OrderGateOperator.MAX_EXAMPLES);
        assertThat(counts.rejections().total()).isEqualTo(30);
    }

    /** The end of input told directly (without the end-of-time watermark) releases what the gate holds, once. */
    @Test
    void theEndOfInputReleasesTheHeldReadingsOnceHoweverItIsTold() throws Exception {
        try (OneInputStreamOperatorTestHarness<SourceRecord, Measurement> gate = gate(new OrderGateOperator(LATENESS),
                null)) {
            feed(gate, handWritten());
            int before = gate.getOutput().size();
            gate.endInput();
            gate.processWatermark(Long.MAX_VALUE);
            gate.endInput();
            assertThat(List.copyOf(gate.getOutput()).subList(before, gate.getOutput().size())).containsExactly(
                    new Watermark(106), record(e), new Watermark(107), new Watermark(109), record(h),
                    Watermark.MAX_WATERMARK);
        }
    }

    @Test
    void rejectsAndCountsReadingsOlderThanTheLatenessAndBadLines() throws Exception {
        try (OneInputStreamOperatorTestHarness<SourceRecord, Measurement> gate = gate(new OrderGateOperator(LATENESS),
                null)) {
            feed(gate, handWritten());
            gate.processWatermark(Long.MAX_VALUE);
            assertThat(Harnesses.<Measurement>values(gate.getOutput())).containsExactly(a, c, g, b, e, h)
                    .doesNotContain(f);
            GateCounts counts = counts(gate);
            assertThat(counts.lines()).isEqualTo(10);
            assertThat(counts.loads()).isEqualTo(6);
            assertThat(counts.works()).isEqualTo(2);
            assertThat(counts.rounded()).isEqualTo(1);
            assertThat(counts.firstTime()).isEqualTo(100);
            assertThat(counts.dataTime()).isEqualTo(110);
            assertThat(counts.rejections().counts()).containsExactlyInAnyOrderEntriesOf(
                    Map.of(RejectReason.LATE, 1L, RejectReason.BAD_NUMBER, 1L));
            assertThat(counts.rejections().examples()).containsExactly(
                    new Rejection(6, RejectReason.LATE,
                            "timestamp 101 is older than 102 (latest 107, max lateness 5 s)", "6,101"),
                    new Rejection(8, RejectReason.BAD_NUMBER, "value is not a number", "x,y"));
        }
    }

    @Test
    void releasesReadingsInTheCoreGatesOrderWithOneWatermarkPerTimestamp() throws Exception {
        List<SourceRecord> records = shuffled;
        Rejections rejections = new Rejections(OrderGateOperator.MAX_EXAMPLES);
        List<Measurement> released = core(records, rejections);

        try (OneInputStreamOperatorTestHarness<SourceRecord, Measurement> gate = gate(
                new OrderGateOperator(SHUFFLE_LATENESS), null)) {
            feed(gate, records);
            gate.processWatermark(Long.MAX_VALUE);
            assertThat(List.copyOf(gate.getOutput())).isEqualTo(withWatermarks(released));

            GateCounts counts = counts(gate);
            assertThat(counts.lines()).isEqualTo(records.size());
            assertThat(counts.loads()).isEqualTo(released.stream().filter(Measurement::isLoad).count());
            assertThat(counts.works()).isEqualTo(released.stream().filter(m -> !m.isLoad()).count());
            assertThat(counts.rounded()).isEqualTo(records.stream().filter(SourceRecord::rounded).count());
            assertThat(counts.firstTime()).isEqualTo(released.get(0).timestamp());
            assertThat(counts.dataTime()).isEqualTo(released.get(released.size() - 1).timestamp());
            assertThat(counts.rejections().counts()).isEqualTo(rejections.counts())
                    .containsKeys(RejectReason.LATE, RejectReason.BAD_NUMBER);
            assertThat(counts.rejections().examples()).isEqualTo(rejections.examples());
        }
    }

    @Test
    void aGateRestoredFromItsSnapshotContinuesExactlyAsAnUninterruptedOne() throws Exception {
        List<SourceRecord> records = shuffled;
        List<Object> uninterrupted;
        GateCounts total;
        try (OneInputStreamOperatorTestHarness<SourceRecord, Measurement> gate = gate(
                new OrderGateOperator(SHUFFLE_LATENESS), null)) {
            feed(gate, records);
            gate.processWatermark(Long.MAX_VALUE);
            uninterrupted = List.copyOf(gate.getOutput());
            total = counts(gate);
        }
        for (int quarter = 1; quarter <= 3; quarter++) {
            int cut = cutWhileHolding(records, quarter * records.size() / 4);
            List<Object> output = new ArrayList<>();
            OperatorSubtaskState snapshot;
            try (OneInputStreamOperatorTestHarness<SourceRecord, Measurement> before = gate(
                    new OrderGateOperator(SHUFFLE_LATENESS), null)) {
                feed(before, records.subList(0, cut));
                output.addAll(before.getOutput());
                snapshot = before.snapshot(1, 1);
            }
            try (OneInputStreamOperatorTestHarness<SourceRecord, Measurement> after = gate(
                    new OrderGateOperator(SHUFFLE_LATENESS), snapshot)) {
                feed(after, records.subList(cut, records.size()));
                after.processWatermark(Long.MAX_VALUE);
                assertThat(after.getOutput()).isNotEmpty();
                output.addAll(after.getOutput());
                // the held readings went into the snapshot: nothing lost, repeated or reordered across the restart
                assertThat(output).as("restored after record %d", cut).isEqualTo(uninterrupted);
                // the counts went into the snapshot and on from there: the totals are the uninterrupted gate's
                assertThat(summary(counts(after))).isEqualTo(summary(total));
            }
        }
    }

    // ---- generated input, shuffled within the lateness, and the core gate over it --------------------------

    static final long SHUFFLE_LATENESS = 20;
    /** 2 houses x 2 households x 2 plugs, 0.3 days at 10 s, bad lines of every kind (late ones among them). */
    static final GeneratorConfig SHAPE = GeneratorConfig.builder().seed(5)
            .layout(2, 2, 2)
            .span(0.3, 10)
            .gaps(0.02, 0.3, 20)
            .badLines(0.02, 0.05)
            .build();
    /** The generated records, neighbours up to 20 s apart swapped at random: out of order within the lateness. */
    private static List<SourceRecord> shuffled;

    @BeforeAll
    static void generate() throws Exception {
        List<SourceRecord> records = new ArrayList<>(Harnesses.Generated.in(dir, SHAPE).records());
        SplittableRandom random = new SplittableRandom(7);
        int swaps = 0;
        for (int k = 0; k + 1 < records.size(); k++) { // swap neighbours of different timestamps, up to 20 s apart
            SourceRecord x = records.get(k), y = records.get(k + 1);
            if (x.isReading() && y.isReading() && x.reading().timestamp() != y.reading().timestamp()
                    && Math.abs(y.reading().timestamp() - x.reading().timestamp()) <= SHUFFLE_LATENESS
                    && random.nextInt(4) == 0) {
                records.set(k, y);
                records.set(k + 1, x);
                k++;
                swaps++;
            }
        }
        assertThat(swaps).isGreaterThan(100);
        shuffled = List.copyOf(records);
    }

    /** The core gate over the same records: what it releases, in order; rejections (bad lines and late) counted. */
    static List<Measurement> core(List<SourceRecord> records, Rejections rejections) {
        OrderGate gate = new OrderGate(SHUFFLE_LATENESS, rejections);
        List<Measurement> released = new ArrayList<>();
        for (SourceRecord r : records) {
            if (r.isReading()) gate.offer(r.reading(), r.line(), released::add);
            else rejections.reject(r.line(), r.reason(), r.message(), r.text());
        }
        gate.flush(released::add);
        return released;
    }

    /**
     * The gate's contract over readings released in order: before the first reading of each new timestamp
     * {@code ts}, the watermark {@code ts - 1}; load readings go on stamped with their timestamp, work readings
     * only move the clock; the end of input last.
     */
    static List<Object> withWatermarks(List<Measurement> released) {
        List<Object> out = new ArrayList<>();
        long dataTime = Long.MIN_VALUE;
        for (Measurement m : released) {
            if (m.timestamp() > dataTime) {
                out.add(new Watermark(m.timestamp() - 1));
                dataTime = m.timestamp();
            }
            if (m.isLoad()) out.add(record(m));
        }
        out.add(Watermark.MAX_WATERMARK);
        return out;
    }

    /** The first cut at or after {@code from} where the gate holds readings (so the snapshot has some). */
    static int cutWhileHolding(List<SourceRecord> records, int from) {
        OrderGate gate = new OrderGate(SHUFFLE_LATENESS, (l, r, m, t) -> { });
        for (int k = 0; k < records.size(); k++) {
            if (records.get(k).isReading()) gate.offer(records.get(k).reading(), k, m -> { });
            if (k + 1 >= from && gate.heldCount() > 0) return k + 1;
        }
        throw new AssertionError("the gate holds nothing after record " + from);
    }

    static StreamRecord<Measurement> record(Measurement m) {
        return new StreamRecord<>(m, m.timestamp());
    }

    static Measurement load(long id, long ts, long house) {
        return new Measurement(id, ts, 1000 * id, Property.LOAD, 0, 0, house);
    }

    static Measurement work(long id, long ts, long house) {
        return new Measurement(id, ts, 1000 * id, Property.WORK, 0, 0, house);
    }
}
