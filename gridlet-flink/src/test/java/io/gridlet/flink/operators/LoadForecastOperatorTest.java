package io.gridlet.flink.operators;

import io.gridlet.core.generate.GeneratorConfig;
import io.gridlet.enclave.keys.KeyRing;
import io.gridlet.enclave.keys.Pseudonyms;
import io.gridlet.enclave.keys.TrustedKeys;
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
import static io.gridlet.flink.operators.Harnesses.linesByFile;
import static io.gridlet.flink.operators.Harnesses.values;
import static io.gridlet.flink.operators.Harnesses.watermarks;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Q1's keyed operator driven with Flink's keyed harness over the order gate's output: alone it gives the core's
 * forecasts; its state, taken at parallelism 1, split over two instances by key group and merged back into one,
 * gives what one instance that never stopped gives, each instance the forecasts of exactly its own houses.
 */
class LoadForecastOperatorTest {
    static final String KEYS = "load-forecast-operator-test";
    /**
     * 5 houses (so that each of two instances owns some, plain and sealed) x 1 household x 2 plugs, 1.1 days at
     * 60 s (so forecasts draw on a day of history), gaps, outages, bad lines.
     */
    static final GeneratorConfig SHAPE = GeneratorConfig.builder().seed(31)
            .layout(5, 1, 2)
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

    static KeyedStages<ResultRecord> q1(Boundary boundary) {
        return new KeyedStages<>(() -> new LoadForecastOperator(CONFIG.epoch(), CONFIG.sliceSeconds(), boundary),
                new Partitioning.ByHouse(boundary), null);
    }

    @Test
    void forecastsEveryPlugAndHouseLikeTheCoreAndForwardsEveryWatermark() throws Exception {
        List<Object> output = q1(Boundary.PLAIN).uninterrupted(gated).get(0);
        assertThat(linesByFile(values(output))).isEqualTo(data.expected("q1-")).isNotEmpty();
        assertThat(watermarks(output)).isEqualTo(watermarks(gated));
    }

    @ParameterizedTest(name = "sealed: {0}")
    @ValueSource(booleans = {false, true})
    void stateSplitOverTwoInstancesAndMergedBackGivesTheUninterruptedForecasts(boolean sealed) throws Exception {
        Boundary boundary = sealed ? Boundary.sealed(KEYS, KEYS) : Boundary.PLAIN;
        KeyedStages<ResultRecord> q1 = q1(boundary);
        int[] cuts = {gated.size() / 3, 2 * gated.size() / 3};
        List<List<Object>> uninterrupted = q1.uninterrupted(gated, cuts);
        List<List<List<Object>>> rescaled = q1.rescaled(gated, cuts, 1, 2, 1);

        List<ResultRecord> all = new ArrayList<>();
        for (int s = 0; s < rescaled.size(); s++) {
            List<ResultRecord> expected = values(uninterrupted.get(s));
            int parallelism = rescaled.get(s).size();
            for (int i = 0; i < parallelism; i++) {
                int instance = i;
                List<Object> output = rescaled.get(s).get(i);
                // exactly the uninterrupted instance's forecasts of the houses this instance owns, in its order
                List<ResultRecord> own = expected.stream()
                        .filter(r -> KeyedStages.owner(boundary.houseKey(r.house()), parallelism) == instance)
                        .toList();
                assertThat(values(output)).as("stage %d, instance %d of %d", s, i, parallelism)
                        .isNotEmpty().isEqualTo(own);
                assertThat(watermarks(output)).isEqualTo(watermarks(uninterrupted.get(s)));
                all.addAll(values(output));
            }
        }
        assertThat(linesByFile(all)).isEqualTo(data.expected("q1-"));
    }
}
