package io.gridlet.flink.operators;

import io.gridlet.core.generate.GeneratorConfig;
import io.gridlet.core.model.PlugId;
import io.gridlet.enclave.keys.KeyRing;
import io.gridlet.enclave.keys.Pseudonyms;
import io.gridlet.enclave.keys.TrustedKeys;
import io.gridlet.flink.types.WindowChangeSerializer;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static io.gridlet.flink.operators.Harnesses.CONFIG;
import static io.gridlet.flink.operators.Harnesses.globalShares;
import static io.gridlet.flink.operators.Harnesses.linesByFile;
import static io.gridlet.flink.operators.Harnesses.values;
import static io.gridlet.flink.operators.Harnesses.watermarks;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Q2's per-plug keyed operator driven with Flink's keyed harness over the order gate's output: with the global
 * stage after it, it gives the core's outliers; its state, taken at parallelism 1, split over two instances by key
 * group and merged back into one, gives what one instance that never stopped gives: per window and timestamp the
 * same values entering and leaving and the same plug medians, each instance reporting only its own plugs.
 */
class PlugMediansOperatorTest {
    static final String KEYS = "plug-medians-operator-test";
    /**
     * 5 houses (so that each of two instances owns some households, plain and sealed) x 2 households x 2 plugs,
     * 1.1 days at 60 s (the day window evicts), gaps, outages, bad lines.
     */
    static final GeneratorConfig SHAPE = GeneratorConfig.builder().seed(37)
            .layout(5, 2, 2)
            .span(1.1, 60)
            .gaps(0.02, 0.3, 40)
            .badLines(0.005, 0.02)
            .build();

    @TempDir
    static Path dir;
    static Harnesses.Generated data;
    static List<Object> gated;

    @BeforeAll
    static void generate() throws Exception {
        data = Harnesses.Generated.in(dir, SHAPE);
        gated = Harnesses.gated(data.records());
        TrustedKeys.register(KEYS, KeyRing.generate());
        TrustedKeys.registerRouting(KEYS, new Pseudonyms(new byte[32]));
    }

    @AfterAll
    static void forget() {
        TrustedKeys.unregister(KEYS);
    }

    static KeyedStages<WindowChangeRecord> q2(Boundary boundary) {
        return new KeyedStages<>(() -> new PlugMediansOperator(CONFIG.windowSeconds(), boundary),
                new Partitioning.ByHousehold(boundary), WindowChangeSerializer.INSTANCE);
    }

    @Test
    void sendsEachTimestampsChangesBeforeItsWatermarkAndTheGlobalStageFindsTheCoresOutliers() throws Exception {
        List<Object> changes = q2(Boundary.PLAIN).uninterrupted(gated).get(0);
        assertThat(watermarks(changes)).isEqualTo(watermarks(gated));
        // the changes of data time t are stamped t and come right before the watermark that moves data time past t
        long dataTime = Long.MIN_VALUE;
        for (Object e : changes) {
            if (e instanceof Watermark w) {
                dataTime = w.getTimestamp() + 1;
            } else {
                StreamRecord<?> r = (StreamRecord<?>) e;
                assertThat(r.getTimestamp()).isEqualTo(((WindowChangeRecord) r.getValue()).time()).isEqualTo(dataTime);
            }
        }
        assertThat(linesByFile(values(globalShares(changes, Boundary.PLAIN)))).isEqualTo(data.expected("q2-"))
                .isNotEmpty();
    }

    @ParameterizedTest(name = "sealed: {0}")
    @ValueSource(booleans = {false, true})
    void stateSplitOverTwoInstancesAndMergedBackGivesTheUninterruptedChanges(boolean sealed) throws Exception {
        Boundary boundary = sealed ? Boundary.sealed(KEYS, KEYS) : Boundary.PLAIN;
        KeyedStages<WindowChangeRecord> q2 = q2(boundary);
        int[] cuts = {gated.size() / 3, 2 * gated.size() / 3};
        List<List<Object>> uninterrupted = q2.uninterrupted(gated, cuts);
        List<List<List<Object>>> rescaled = q2.rescaled(gated, cuts, 1, 2, 1);

        List<Object> global = new ArrayList<>();
        for (int s = 0; s < rescaled.size(); s++) {
            List<List<Object>> instances = rescaled.get(s);
            int parallelism = instances.size();
            List<WindowChangeRecord> union = new ArrayList<>();
            for (int i = 0; i < parallelism; i++) {
                List<WindowChangeRecord> own = values(instances.get(i));
                assertThat(own).as("stage %d, instance %d of %d", s, i, parallelism).isNotEmpty();
                for (WindowChangeRecord c : own) {
                    for (PlugId plug : plugs(c)) {
                        assertThat(KeyedStages.owner(boundary.householdKey(plug.house(), plug.household()),
                                parallelism)).as("the instance reporting %s", plug).isEqualTo(i);
                    }
                }
                assertThat(watermarks(instances.get(i))).isEqualTo(watermarks(uninterrupted.get(s)));
                union.addAll(own);
            }
            assertThat(merged(union)).as("stage %d", s).isEqualTo(merged(values(uninterrupted.get(s))));
            global.addAll(interleaved(instances));
        }
        // and the global stage, reading the instances' changes as its input gate would, finds the core's outliers
        assertThat(linesByFile(values(globalShares(global, boundary)))).isEqualTo(data.expected("q2-"));
    }

    /** Per window and timestamp: the values that entered and left (as multisets) and each changed plug's median. */
    record Merged(List<Integer> entered, List<Integer> left, Map<PlugId, Long> doubledMedians) {
    }

    static Map<String, Merged> merged(List<WindowChangeRecord> changes) {
        Map<String, List<WindowChangeRecord>> byTime = new TreeMap<>();
        for (WindowChangeRecord c : changes) {
            byTime.computeIfAbsent(c.windowSeconds() + " s at " + c.time(), k -> new ArrayList<>()).add(c);
        }
        Map<String, Merged> merged = new TreeMap<>();
        byTime.forEach((key, cs) -> {
            List<Integer> entered = new ArrayList<>(), left = new ArrayList<>();
            Map<PlugId, Long> medians = new HashMap<>();
            for (WindowChangeRecord c : cs) {
                for (int v : c.entered()) entered.add(v);
                for (int v : c.left()) left.add(v);
                List<PlugId> plugs = plugs(c);
                for (int i = 0; i < plugs.size(); i++) {
                    assertThat(medians.put(plugs.get(i), c.doubledMedians()[i])).as("%s twice", plugs.get(i)).isNull();
                }
            }
            entered.sort(null);
            left.sort(null);
            merged.put(key, new Merged(entered, left, medians));
        });
        return merged;
    }

    static List<PlugId> plugs(WindowChangeRecord c) {
        long[] p = c.plugs();
        List<PlugId> plugs = new ArrayList<>();
        for (int i = 0; i + 2 < p.length; i += 3) plugs.add(new PlugId(p[i], p[i + 1], p[i + 2]));
        return plugs;
    }

    /**
     * The instances' outputs as the one global instance reads them: each watermark once all instances have sent
     * it (the minimum over inputs), each instance's changes before it.
     */
    static List<Object> interleaved(List<List<Object>> outputs) {
        List<Object> merged = new ArrayList<>();
        int[] next = new int[outputs.size()];
        while (true) {
            Watermark mark = null;
            for (int i = 0; i < outputs.size(); i++) {
                List<Object> out = outputs.get(i);
                while (next[i] < out.size() && !(out.get(next[i]) instanceof Watermark)) merged.add(out.get(next[i]++));
                if (next[i] < out.size()) {
                    Watermark w = (Watermark) out.get(next[i]++);
                    if (mark == null) mark = w;
                    assertThat(w).isEqualTo(mark);
                }
            }
            if (mark == null) return merged;
            merged.add(mark);
        }
    }
}
