package io.gridlet.core.engine;

import io.gridlet.core.generate.GeneratorConfig;
import io.gridlet.core.result.ResultCollector;
import io.gridlet.core.result.ResultComparison;
import io.gridlet.core.testing.Generated;
import io.gridlet.core.testing.NaiveQueries;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The fast core against the naive oracle on generated data of several seeds and shapes. */
class OracleComparisonTest {

    static Stream<Arguments> shapes() {
        return Stream.of(
                // seed, houses, days, interval: >= 3 days so that Q1's history is used, gaps, bad lines
                Arguments.of(1L, 2, 3.0, 300),
                Arguments.of(2L, 3, 3.5, 600),
                Arguments.of(3L, 1, 4.0, 450),
                // dense and short: the 1 h window and the 60 s slices see many readings per slice
                Arguments.of(4L, 1, 0.12, 10));
    }

    @ParameterizedTest(name = "seed {0}, {1} houses, {2} days, every {3} s")
    @MethodSource("shapes")
    void matchesTheNaiveOracle(long seed, int houses, double days, int interval) throws IOException {
        GeneratorConfig config = Generated.shape(seed, houses, days, interval);
        List<String> lines = Generated.lines(config);

        NaiveQueries oracle = new NaiveQueries(QueryConfig.DEFAULT_EPOCH, QueryConfig.DEFAULT_SLICES,
                QueryConfig.DEFAULT_WINDOWS);
        Map<String, List<String>> expected = oracle.run(lines);
        ResultCollector actual = new ResultCollector();
        Replay replay = new Replay(QueryConfig.DEFAULT, 0);
        replay.run(Generated.bytes(lines), actual);

        assertThat(expected).containsKeys("q1-plug-60.csv", "q1-house-7200.csv", "q2-3600.csv", "q2-86400.csv");
        assertThat(ResultComparison.differences(expected, actual.lines())).isEmpty();
        Map<String, Long> rejected = new TreeMap<>();
        replay.rejections().counts().forEach((reason, count) -> rejected.put(reason.label(), count));
        assertThat(rejected).isEqualTo(oracle.rejections).isNotEmpty();
    }
}
