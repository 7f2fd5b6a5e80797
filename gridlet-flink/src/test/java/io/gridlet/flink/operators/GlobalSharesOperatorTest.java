package io.gridlet.flink.operators;

import io.gridlet.core.generate.GeneratorConfig;
import io.gridlet.enclave.keys.KeyRing;
import io.gridlet.enclave.keys.Pseudonyms;
import io.gridlet.enclave.keys.TrustedKeys;
import io.gridlet.flink.types.WindowChangeSerializer;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static io.gridlet.flink.operators.Harnesses.CONFIG;
import static io.gridlet.flink.operators.Harnesses.globalShares;
import static io.gridlet.flink.operators.Harnesses.linesByFile;
import static io.gridlet.flink.operators.Harnesses.opened;
import static io.gridlet.flink.operators.Harnesses.process;
import static io.gridlet.flink.operators.Harnesses.values;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Q2's global operator (one instance) driven with Flink's harness over the per-plug stage's output: it evaluates a
 * timestamp only once the watermark has passed it, gives the core's outliers whatever the order in which parallel
 * instances' changes reach it, and a restart from its snapshot (with changes still waiting for their watermark)
 * continues as if uninterrupted.
 */
class GlobalSharesOperatorTest {
    static final String KEYS = "global-shares-operator-test";
    /** 5 houses x 2 households x 2 plugs, 0.3 days at 30 s, gaps, outages, bad lines. */
    static final GeneratorConfig SHAPE = GeneratorConfig.builder().seed(41)
            .layout(5, 2, 2)
            .span(0.3, 30)
            .gaps(0.02, 0.3, 40)
            .badLines(0.005, 0.02)
            .build();

    @TempDir
    static Path dir;
    static Harnesses.Generated data;
    static List<Object> gated;
    /** The per-plug stage's output at parallelism 1: changes, each timestamp's before its watermark. */
    static List<Object> changes;

    @BeforeAll
    static void generate() throws Exception {
        data = Harnesses.Generated.in(dir, SHAPE);
        gated = Harnesses.gated(data.records());
        changes = plugMedians(Boundary.PLAIN).uninterrupted(gated).get(0);
        TrustedKeys.register(KEYS, KeyRing.generate());
        TrustedKeys.registerRouting(KEYS, new Pseudonyms(new byte[32]));
    }

    @AfterAll
    static void forget() {
        TrustedKeys.unregister(KEYS);
    }

    static KeyedStages<WindowChangeRecord> plugMedians(Boundary boundary) {
        return new KeyedStages<>(() -> new PlugMediansOperator(CONFIG.windowSeconds(), boundary),
                new Partitioning.ByPlug(boundary), WindowChangeSerializer.INSTANCE);
    }

    @Test
    void evaluatesATimestampOnlyOnceTheWatermarkHasPassedIt() throws Exception {
        try (OneInputStreamOperatorTestHarness<WindowChangeRecord, ResultRecord> global = opened(
                new GlobalSharesOperator(CONFIG.windowSeconds()), null)) {
            long previous = Long.MIN_VALUE;
            List<Object> all = new ArrayList<>();
            for (Object e : changes) {
                process(global, e);
                List<Object> fresh = drain(global);
                all.addAll(fresh);
                if (e instanceof Watermark w) {
                    long after = previous;
                    // the timestamps the watermark passed, and only those; then the watermark
                    assertThat(fresh).endsWith(w);
                    assertThat(Harnesses.<ResultRecord>values(fresh)).allSatisfy(r -> assertThat(r.order())
                            .isGreaterThan(after).isLessThanOrEqualTo(w.getTimestamp()));
                    previous = w.getTimestamp();
                } else {
                    assertThat(fresh).as("output on a change, before its watermark").isEmpty();
                }
            }
            assertThat(linesByFile(values(all))).isEqualTo(data.expected("q2-")).isNotEmpty();
        }
    }

    @Test
    void theOrderInWhichParallelInstancesChangesArriveChangesNothing() throws Exception {
        List<List<Object>> instances = plugMedians(Boundary.PLAIN).rescaled(gated, new int[0], 2).get(0);
        assertThat(instances).allSatisfy(output -> assertThat(values(output)).isNotEmpty());
        List<Object> firstThenSecond = PlugMediansOperatorTest.interleaved(instances);
        List<Object> secondThenFirst = PlugMediansOperatorTest.interleaved(List.of(instances.get(1),
                instances.get(0)));
        assertThat(firstThenSecond).isNotEqualTo(secondThenFirst);

        List<ResultRecord> results = values(globalShares(firstThenSecond, Boundary.PLAIN));
        assertThat(values(globalShares(secondThenFirst, Boundary.PLAIN))).isEqualTo(results);
        assertThat(linesByFile(results)).isEqualTo(data.expected("q2-"));
    }

    @ParameterizedTest(name = "sealed: {0}")
    @ValueSource(booleans = {false, true})
    void aRestoredInstanceWithChangesAwaitingTheirWatermarkContinuesAsIfUninterrupted(boolean sealed)
            throws Exception {
        Boundary boundary = sealed ? Boundary.sealed(KEYS, KEYS) : Boundary.PLAIN;
        // what each element made it emit, uninterrupted
        List<List<Object>> emitted = new ArrayList<>();
        List<Object> uninterrupted = new ArrayList<>();
        try (OneInputStreamOperatorTestHarness<WindowChangeRecord, ResultRecord> global = opened(
                new GlobalSharesOperator(CONFIG.windowSeconds(), boundary), null)) {
            for (Object e : changes) {
                process(global, e);
                emitted.add(drain(global));
                uninterrupted.addAll(emitted.get(emitted.size() - 1));
            }
        }
        // a cut past the middle between a timestamp's changes and its watermark, which then emits results
        int cut = changes.size() / 2;
        while (!(changes.get(cut - 1) instanceof StreamRecord<?> && changes.get(cut) instanceof Watermark
                && !values(emitted.get(cut)).isEmpty())) {
            cut++;
        }

        List<Object> output = new ArrayList<>();
        OperatorSubtaskState snapshot;
        try (OneInputStreamOperatorTestHarness<WindowChangeRecord, ResultRecord> before = opened(
                new GlobalSharesOperator(CONFIG.windowSeconds(), boundary), null)) {
            for (Object e : changes.subList(0, cut)) process(before, e);
            output.addAll(before.getOutput());
            snapshot = before.snapshot(1, 1);
        }
        try (OneInputStreamOperatorTestHarness<WindowChangeRecord, ResultRecord> after = opened(
                new GlobalSharesOperator(CONFIG.windowSeconds(), boundary), snapshot)) {
            process(after, changes.get(cut));
            // the waiting changes were in the snapshot: their timestamp's results come with its watermark
            assertThat(List.copyOf(after.getOutput())).isEqualTo(emitted.get(cut));
            for (Object e : changes.subList(cut + 1, changes.size())) process(after, e);
            output.addAll(after.getOutput());
        }
        assertThat(output).isEqualTo(uninterrupted);
    }

    /** What the harness emitted since the last call (taken out of its output queue). */
    static List<Object> drain(OneInputStreamOperatorTestHarness<?, ?> h) {
        List<Object> out = new ArrayList<>();
        for (Object o = h.getOutput().poll(); o != null; o = h.getOutput().poll()) out.add(o);
        return out;
    }
}
