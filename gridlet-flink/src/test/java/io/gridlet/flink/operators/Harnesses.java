package io.gridlet.flink.operators;

import io.gridlet.core.engine.QueryConfig;
import io.gridlet.core.engine.Replay;
import io.gridlet.core.generate.GeneratedInput;
import io.gridlet.core.generate.GeneratorConfig;
import io.gridlet.core.generate.MeasurementGenerator;
import io.gridlet.core.model.Measurement;
import io.gridlet.core.result.ResultCollector;
import io.gridlet.flink.source.MeasurementFormat;
import io.gridlet.flink.source.SourceRecord;
import io.gridlet.flink.types.MeasurementSerializer;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.reader.StreamFormat;
import org.apache.flink.core.fs.local.LocalDataInputStream;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.checkpoint.StateObjectCollection;
import org.apache.flink.runtime.state.StateObject;
import org.apache.flink.runtime.state.StreamStateHandle;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the operator tests share: the job's input as its CSV source reads it and the core's results for it (the
 * oracle), the order gate's output over it (what the keyed stages read), and reading a harness' output, the gate's
 * counts and the bytes of a state snapshot.
 */
final class Harnesses {
    static final QueryConfig CONFIG = QueryConfig.DEFAULT;

    private Harnesses() {
    }

    /** A generated data set: the records the job's CSV source reads from it, and the core's result lines for it. */
    record Generated(List<SourceRecord> records, Map<String, List<String>> expected) {
        static Generated in(Path dir, GeneratorConfig shape) throws IOException {
            Path csv = dir.resolve("in-" + shape.seed() + ".csv");
            try (InputStream in = new GeneratedInput(new MeasurementGenerator(shape))) {
                Files.copy(in, csv);
            }
            ResultCollector core = new ResultCollector();
            try (InputStream in = Files.newInputStream(csv)) {
                new Replay(CONFIG, 0).run(in, core);
            }
            return new Generated(sourceRecords(csv), core.lines());
        }

        /** The core's lines of the files whose names start with {@code prefix} ("q1-", "q2-"). */
        Map<String, List<String>> expected(String prefix) {
            Map<String, List<String>> files = new TreeMap<>();
            expected.forEach((file, lines) -> {
                if (file.startsWith(prefix)) files.put(file, lines);
            });
            return files;
        }
    }

    /** The records the job's source ({@link MeasurementFormat}) reads from a CSV file: readings and rejections. */
    static List<SourceRecord> sourceRecords(Path csv) throws IOException {
        File file = csv.toFile();
        List<SourceRecord> records = new ArrayList<>();
        try (StreamFormat.Reader<SourceRecord> reader = new MeasurementFormat().createReader(new Configuration(),
                new LocalDataInputStream(file), file.length(), file.length())) {
            for (SourceRecord r = reader.read(); r != null; r = reader.read()) records.add(r);
        }
        return records;
    }

    /**
     * The checkpoint a restored harness says it restores (Flink tells an operator; a harness says 0 unless told):
     * these tests take their snapshots as checkpoint 1. Sealed state names its checkpoint, so it must match.
     */
    static final long RESTORED_CHECKPOINT = 1;

    /** An order gate in a harness, fresh ({@code restored} null) or restored from a snapshot, opened. */
    static OneInputStreamOperatorTestHarness<SourceRecord, Measurement> gate(OrderGateOperator gate,
                                                                             OperatorSubtaskState restored)
            throws Exception {
        OneInputStreamOperatorTestHarness<SourceRecord, Measurement> h = new OneInputStreamOperatorTestHarness<>(gate);
        h.setup(MeasurementSerializer.INSTANCE);
        h.setRestoredCheckpointId(RESTORED_CHECKPOINT);
        if (restored == null) h.initializeEmptyState();
        else h.initializeState(restored);
        h.open();
        return h;
    }

    static void feed(OneInputStreamOperatorTestHarness<SourceRecord, ?> h, List<SourceRecord> records)
            throws Exception {
        for (SourceRecord r : records) h.processElement(new StreamRecord<>(r));
    }

    /**
     * What the order gate at max lateness 0 (the job's default) emits over these records, up to and with the
     * end-of-input watermark: the input of the keyed stages.
     */
    static List<Object> gated(List<SourceRecord> records) throws Exception {
        try (OneInputStreamOperatorTestHarness<SourceRecord, Measurement> h = gate(new OrderGateOperator(0), null)) {
            feed(h, records);
            h.processWatermark(Watermark.MAX_WATERMARK);
            return new ArrayList<>(h.getOutput());
        }
    }

    /** Feeds one element of an operator's output (a record or a watermark) to the next operator. */
    @SuppressWarnings("unchecked")
    static <IN> void process(OneInputStreamOperatorTestHarness<IN, ?> h, Object element) throws Exception {
        if (element instanceof Watermark w) h.processWatermark(w);
        else h.processElement((StreamRecord<IN>) element);
    }

    /** The record values among output elements, in order. */
    @SuppressWarnings("unchecked")
    static <T> List<T> values(Collection<Object> output) {
        List<T> values = new ArrayList<>();
        for (Object o : output) if (o instanceof StreamRecord<?> r) values.add((T) r.getValue());
        return values;
    }

    /** The watermarks among output elements, in order. */
    static List<Watermark> watermarks(Collection<Object> output) {
        List<Watermark> marks = new ArrayList<>();
        for (Object o : output) if (o instanceof Watermark w) marks.add(w);
        return marks;
    }

    /** What a gate counted so far, read from its accumulators as the job's client reads them. */
    static GateCounts counts(AbstractStreamOperatorTestHarness<?> h) {
        Map<String, Object> values = new HashMap<>();
        h.getEnvironment().getAccumulatorRegistry().getUserMap()
                .forEach((name, accumulator) -> values.put(name, accumulator.getLocalValue()));
        return GateCounts.from(values);
    }

    /** Every count as a comparable list ({@code Rejections} has no equals). */
    static List<Object> summary(GateCounts c) {
        return List.of(c.lines(), c.loads(), c.works(), c.rounded(), c.firstTime(), c.dataTime(),
                c.rejections().counts(), c.rejections().examples());
    }

    /** Result lines by file, each file in the core's order (the order key, then the ids). */
    static Map<String, List<String>> linesByFile(Collection<ResultRecord> records) {
        Map<String, List<ResultRecord>> byFile = new TreeMap<>();
        for (ResultRecord r : records) byFile.computeIfAbsent(r.file(), f -> new ArrayList<>()).add(r);
        Map<String, List<String>> lines = new TreeMap<>();
        byFile.forEach((file, rs) -> {
            rs.sort(ResultRecord.ORDER);
            lines.put(file, rs.stream().map(ResultRecord::line).toList());
        });
        return lines;
    }

    /** A Q2 global stage over the per-plug stage's output (changes and watermarks); what it emitted. */
    static List<Object> globalShares(List<Object> changes, Boundary boundary) throws Exception {
        try (OneInputStreamOperatorTestHarness<WindowChangeRecord, ResultRecord> h =
                     opened(new GlobalSharesOperator(CONFIG.windowSeconds(), boundary), null)) {
            for (Object e : changes) process(h, e);
            return new ArrayList<>(h.getOutput());
        }
    }

    /** A single-instance operator in a harness, fresh or restored, opened. */
    static <IN, OUT> OneInputStreamOperatorTestHarness<IN, OUT> opened(OneInputStreamOperator<IN, OUT> operator,
                                                                       OperatorSubtaskState restored)
            throws Exception {
        OneInputStreamOperatorTestHarness<IN, OUT> h = new OneInputStreamOperatorTestHarness<>(operator);
        h.setRestoredCheckpointId(RESTORED_CHECKPOINT);
        if (restored == null) h.initializeEmptyState();
        else h.initializeState(restored);
        h.open();
        return h;
    }

    /** The bytes of every operator and keyed state handle in a snapshot, as a checkpoint would store them. */
    static byte[] bytes(OperatorSubtaskState state) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        List<StateObjectCollection<? extends StateObject>> handles = List.of(state.getManagedOperatorState(),
                state.getRawOperatorState(), state.getManagedKeyedState(), state.getRawKeyedState());
        for (StateObjectCollection<? extends StateObject> collection : handles) {
            for (StateObject handle : collection) {
                if (!(handle instanceof StreamStateHandle stream)) {
                    throw new IllegalStateException("a state handle without bytes: " + handle);
                }
                try (InputStream in = stream.openInputStream()) {
                    in.transferTo(all);
                }
            }
        }
        return all.toByteArray();
    }

    /** Whether {@code needle} occurs in {@code hay}. */
    static boolean contains(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return true;
        }
        return false;
    }
}
