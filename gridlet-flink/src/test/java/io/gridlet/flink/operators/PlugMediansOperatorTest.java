package io.gridlet.flink.operators;

import io.gridlet.core.generate.GeneratorConfig;
import io.gridlet.core.model.PlugId;
import io.gridlet.enclave.keys.KeyRing;
import io.gridlet.enclave.keys.Pseudonyms;
import io.gridlet.enclave.keys.TrustedKeys;
import io.gridlet.flink.types.WindowChangeSerializer;
import io.gridlet.core.model.Measurement;
import io.gridlet.core.q2.PlugMedians;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyGroupRange;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.runtime.state.KeyGroupRangeOffsets;
import org.apache.flink.runtime.state.KeyGroupsStateHandle;
import org.apache.flink.runtime.state.memory.ByteStreamStateHandle;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static io.gridlet.flink.operators.Harnesses.CONFIG;
import static io.gridlet.flink.operators.Harnesses.globalShares;
import static io.gridlet.flink.operators.Harnesses.linesByFile;
import static io.gridlet.flink.operators.Harnesses.values;
import static io.gridlet.flink.operators.Harnesses.watermarks;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Q2's per-plug keyed operator driven with Flink's keyed harness over the order gate's output: with the global
 * stage after it, it gives the core's outliers; its state, taken at parallelism 1, split over two instances by key
 * group and merged back into one, gives what one instance that never stopped gives: per window and timestamp the
 * same values entering and leaving and the same plug medians, each instance reporting only its own plugs.
 */
class PlugMediansOperatorTest {
    static final String KEYS = "plug-medians-operator-test";
    /**
     * 5 houses (so that each of two instances owns some plugs, plain and sealed) x 2 households x 2 plugs,
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
                new Partitioning.ByPlug(boundary), WindowChangeSerializer.INSTANCE);
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
                        assertThat(KeyedStages.owner(boundary.plugKey(plug.house(), plug.household(), plug.plug()),
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

    /**
     * A checkpoint written while Q2 was routed by household (its key groups hold households' plugs) is refused at
     * parallelism 2, where a plug's state would sit on an instance its readings no longer reach, with a message
     * that says what to do; at parallelism 1 (every key group in one instance) it resumes exactly.
     */
    @Test
    void aCheckpointCutByHouseholdIsRefusedAboveParallelismOneAndResumesAtOne() throws Exception {
        KeyedStages<WindowChangeRecord> q2 = q2(Boundary.PLAIN);
        int cut = gated.size() / 2;
        List<List<Object>> uninterrupted = q2.uninterrupted(gated, cut);
        OperatorSubtaskState byHousehold;
        try (var h = q2.instance(1, 0, null)) {
            for (Object e : gated.subList(0, cut)) Harnesses.process(h, e);
            byHousehold = recutByHousehold(h.snapshot(1, 1));
        }
        // which instance of 2 gets a plug it does not own (through its household's key group)
        Set<Integer> misplaced = new TreeSet<>();
        for (Object e : gated.subList(0, cut)) {
            if (e instanceof StreamRecord<?> r && r.getValue() instanceof Measurement m && m.isLoad()) {
                int holder = KeyedStages.owner(householdKey(m.houseId(), m.householdId()), 2);
                if (holder != KeyedStages.owner(Partitioning.plug(m.houseId(), m.householdId(), m.plugId()), 2)) {
                    misplaced.add(holder);
                }
            }
        }
        assertThat(misplaced).isNotEmpty();
        for (int i = 0; i < 2; i++) {
            OperatorSubtaskState share = AbstractStreamOperatorTestHarness.repartitionOperatorState(byHousehold,
                    KeyedStages.MAX_PARALLELISM, 1, 2, i);
            int index = i;
            if (!misplaced.contains(i)) {
                q2.instance(2, index, share).close(); // its households' plugs all happen to be its own
                continue;
            }
            assertThatThrownBy(() -> q2.instance(2, index, share)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("routes Q2's state by household")
                    .hasMessageContaining("resume it once at parallelism 1").hasMessageContaining("-p 1 --no-autoscale");
        }
        try (var h = q2.instance(1, 0, byHousehold)) {
            for (Object e : gated.subList(cut, gated.size())) Harnesses.process(h, e);
            assertThat(merged(values(new ArrayList<>(h.getOutput())))).isNotEmpty()
                    .isEqualTo(merged(values(uninterrupted.get(1))));
        }
    }

    /**
     * The raw keyed state of a one-instance snapshot, its key groups cut again by the household key an earlier
     * Gridlet routed Q2 by ({@link #householdKey}): the checkpoint that Gridlet would have written.
     */
    static OperatorSubtaskState recutByHousehold(OperatorSubtaskState snapshot) throws Exception {
        KeyGroupsStateHandle handle = (KeyGroupsStateHandle) snapshot.getRawKeyedState().iterator().next();
        List<DataInput> parts = new ArrayList<>();
        KeyGroupParts.Clock clock = null;
        try (var in = handle.openInputStream()) {
            for (int g : handle.getKeyGroupRange()) {
                in.seek(handle.getOffsetForKeyGroup(g));
                KeyGroupParts.Restored group = KeyGroupParts.readPlain(new DataInputStream(in));
                clock = group.clock();
                parts.addAll(group.parts());
            }
        }
        int groups = KeyedStages.MAX_PARALLELISM;
        byte[][] recut = PlugMedians.restore(parts).snapshotParts(groups, plug -> KeyGroupRangeAssignment
                .assignToKeyGroup(householdKey(plug.house(), plug.household()), groups));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        long[] offsets = new long[groups];
        for (int g = 0; g < groups; g++) {
            offsets[g] = out.size();
            KeyGroupParts.writePlain(out, clock, recut[g]);
        }
        KeyGroupsStateHandle old = new KeyGroupsStateHandle(
                new KeyGroupRangeOffsets(KeyGroupRange.of(0, groups - 1), offsets),
                new ByteStreamStateHandle("q2-by-household", bytes.toByteArray()));
        return OperatorSubtaskState.builder().setRawKeyedState(old).build();
    }

    /** The key Q2 was routed by until 2026-12-01: the household, its two 32-bit ids packed. */
    static Long householdKey(long house, long household) {
        return (house << 32) | household;
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
