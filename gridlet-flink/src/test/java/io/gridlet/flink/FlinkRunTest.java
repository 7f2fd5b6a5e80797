package io.gridlet.flink;

import io.gridlet.core.engine.QueryConfig;
import io.gridlet.core.engine.Replay;
import io.gridlet.core.generate.GeneratorConfig;
import io.gridlet.core.result.ResultFiles;
import io.gridlet.core.result.ResultLines;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** A whole run on the embedded MiniCluster writes the same files, byte for byte, as the core. */
class FlinkRunTest {
    @TempDir
    Path dir;

    @Test
    void embeddedRunWritesTheCoreFilesThroughTheFileSink() throws Exception {
        Path csv = dir.resolve("in.csv");
        GeneratorConfig shape = GeneratorConfig.builder().seed(5)
                .layout(2, 2, 2)
                .span(3.0, 300)
                .gaps(0.02, 0.3, 40)
                .badLines(0.01, 0.02)
                .build();
        try (InputStream in = new io.gridlet.core.generate.GeneratedInput(
                new io.gridlet.core.generate.MeasurementGenerator(shape))) {
            Files.copy(in, csv);
        }
        Path core = dir.resolve("core");
        try (InputStream in = Files.newInputStream(csv); ResultFiles files = new ResultFiles(core, QueryConfig.DEFAULT)) {
            new Replay(QueryConfig.DEFAULT, 0).run(in, files);
        }

        Path flink = dir.resolve("flink");
        FlinkRun.Outcome outcome = new FlinkRun(QueryConfig.DEFAULT, 0, FlinkRun.DEFAULT_CHECKPOINT_INTERVAL)
                .runFresh(FlinkRun.embedded(2), csv, flink);

        for (String file : ResultLines.headers(QueryConfig.DEFAULT).keySet()) {
            assertThat(Files.readAllLines(flink.resolve(file))).as(file).isEqualTo(Files.readAllLines(core.resolve(file)));
        }
        assertThat(outcome.linesWritten().get("q1-plug-60.csv")).isPositive();
        assertThat(outcome.counts().loads() + outcome.counts().works()
                + outcome.counts().rejections().total()).isEqualTo(outcome.counts().lines());
        assertThat(Files.exists(flink.resolve(RunDirectory.NAME))).isFalse();
    }

    /** A run over a log of N partitions is another run than over M (a partition's position belongs to its subtask). */
    @Test
    void theIdentityOfARunNamesItsPartitions() {
        FlinkRun run = new FlinkRun(QueryConfig.DEFAULT, 0, FlinkRun.DEFAULT_CHECKPOINT_INTERVAL);
        String one = run.identity("Kafka topic readings");
        assertThat(one).doesNotContain("partitions"); // as before partitions: a run of one resumes
        String two = run.partitions(2).identity("Kafka topic readings");
        String three = run.partitions(3).identity("Kafka topic readings");
        assertThat(two).contains("2 partitions").isNotEqualTo(three).isNotEqualTo(one);
    }
}
