package io.gridlet.core.engine;

import io.gridlet.core.csv.RejectReason;
import io.gridlet.core.result.ResultCollector;
import io.gridlet.core.result.ResultComparison;
import io.gridlet.core.testing.SpecExamples;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/** The worked examples of the spec, run through the core pipeline and compared by the spec's equality rules. */
class SpecExamplesTest {

    @ParameterizedTest
    @ValueSource(strings = {"tiny", "golden-1day"})
    void producesTheExpectedOutputFiles(String example) throws IOException {
        ResultCollector results = new ResultCollector();
        new Replay(QueryConfig.DEFAULT, 0).run(SpecExamples.input(example), results);

        Map<String, java.util.List<String>> expected = SpecExamples.expected(example);
        assertThat(results.lines().keySet()).isEqualTo(expected.keySet());
        assertThat(ResultComparison.differences(expected, results.lines())).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny", "golden-1day"})
    void rejectsTheExpectedLinesByReason(String example) throws IOException {
        Replay replay = new Replay(QueryConfig.DEFAULT, 0);
        replay.run(SpecExamples.input(example), new ResultCollector());

        Map<String, Long> byLabel = new TreeMap<>();
        replay.rejections().counts().forEach((reason, count) -> byLabel.put(reason.label(), count));
        assertThat(byLabel).isEqualTo(SpecExamples.expectedRejections(example));
        assertThat(replay.rejections().count(RejectReason.LINE_TOO_LONG)).isZero();
    }
}
