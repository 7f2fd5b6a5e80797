package io.gridlet.flink;

import io.gridlet.core.engine.QueryConfig;
import io.gridlet.core.engine.Replay;
import io.gridlet.core.generate.GeneratedInput;
import io.gridlet.core.generate.GeneratorConfig;
import io.gridlet.core.generate.MeasurementGenerator;
import io.gridlet.core.result.ResultCollector;
import io.gridlet.flink.operators.GateCounts;
import io.gridlet.flink.operators.ResultRecord;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/** The Flink job on a real MiniCluster produces exactly the core's output, at every parallelism. */
class GridletJobTest {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder()
                    .setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(4)
                    .build());

    @TempDir
    static Path dir;

    static Path write(GeneratorConfig config, String name) throws IOException {
        Path file = dir.resolve(name);
        try (InputStream in = new GeneratedInput(new MeasurementGenerator(config))) {
            Files.copy(in, file);
        }
        return file;
    }

    private static GeneratorConfig shape(long seed) {
        // >= 3 days, 3 houses x 2 households x 2 plugs, gaps, outages, bad lines of every kind
        return GeneratorConfig.builder().seed(seed)
                .layout(3, 2, 2)
                .span(3.0, 120)
                .gaps(0.02, 0.3, 40)
                .badLines(0.01, 0.02)
                .build();
    }

    @ParameterizedTest(name = "seed {0}, parallelism {1}")
    @CsvSource({"1, 1", "1, 2", "1, 4", "2, 2", "3, 4"})
    void producesExactlyTheCoreOutput(long seed, int parallelism) throws Exception {
        Path csv = write(shape(seed), "seed-" + seed + "-p" + parallelism + ".csv");
        ResultCollector core = new ResultCollector();
        Replay replay = new Replay(QueryConfig.DEFAULT, 0);
        try (InputStream in = Files.newInputStream(csv)) {
            replay.run(in, core);
        }

        Collected flink = collect(new GridletJob(QueryConfig.DEFAULT, 0), csv, parallelism);

        assertThat(linesByFile(flink.records())).isEqualTo(core.lines());
        GateCounts counts = flink.counts();
        assertThat(counts.rejections().counts()).isEqualTo(replay.rejections().counts()).isNotEmpty();
        assertThat(counts.rejections().examples()).isEqualTo(replay.rejections().examples());
    }

    @org.junit.jupiter.api.Test
    void theSeasonalForecasterGivesTheCoresForecastsAtAnyParallelism() throws Exception {
        QueryConfig seasonal = QueryConfig.DEFAULT.withForecaster(io.gridlet.core.q1.Forecaster.SEASONAL);
        Path csv = write(shape(4), "seasonal.csv");
        ResultCollector core = new ResultCollector(), spec = new ResultCollector();
        try (InputStream in = Files.newInputStream(csv)) {
            new Replay(seasonal, 0).run(in, core);
        }
        try (InputStream in = Files.newInputStream(csv)) {
            new Replay(QueryConfig.DEFAULT, 0).run(in, spec);
        }
        assertThat(core.lines().get("q1-house-900.csv")).isNotEqualTo(spec.lines().get("q1-house-900.csv"));
        assertThat(core.lines().get("q2-3600.csv")).isEqualTo(spec.lines().get("q2-3600.csv")); // Q2 as it was
        Collected flink = collect(new GridletJob(seasonal, 0), csv, 2);
        assertThat(linesByFile(flink.records())).isEqualTo(core.lines());
    }

    @org.junit.jupiter.api.Test
    void reordersReadingsWithinTheMaxLatenessLikeTheCore() throws Exception {
        GeneratorConfig clean = GeneratorConfig.builder().seed(11)
                .layout(2, 2, 2)
                .span(1.1, 30)
                .gaps(0.02, 0.3, 40)
                .badLines(0.0, 0.02)
                .build();
        Path sorted = write(clean, "sorted.csv");
        List<String> lines = Files.readAllLines(sorted);
        java.util.SplittableRandom random = new java.util.SplittableRandom(4);
        for (int i = 0; i + 1 < lines.size(); i++) { // swap neighbours up to 20 s apart
            long a = Long.parseLong(lines.get(i).split(",")[1]), b = Long.parseLong(lines.get(i + 1).split(",")[1]);
            if (a != b && b - a <= 20 && random.nextInt(4) == 0) {
                java.util.Collections.swap(lines, i, i + 1);
                i++;
            }
        }
        assertThat(lines).isNotEqualTo(Files.readAllLines(sorted));
        Path shuffled = Files.write(dir.resolve("shuffled.csv"), lines);

        ResultCollector core = new ResultCollector();
        try (InputStream in = Files.newInputStream(sorted)) {
            new Replay(QueryConfig.DEFAULT, 0).run(in, core);
        }
        Collected flink = collect(new GridletJob(QueryConfig.DEFAULT, 20), shuffled, 2);

        assertThat(linesByFile(flink.records())).isEqualTo(core.lines());
        assertThat(flink.counts().rejections().total()).isZero();
    }

    record Collected(List<ResultRecord> records, GateCounts counts) {
    }

    /** Runs the job over {@code csv} on the test's MiniCluster and collects every result and the gate's counts. */
    static Collected collect(GridletJob job, Path csv, int parallelism) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(parallelism);
        List<ResultRecord> records = new ArrayList<>();
        try (CloseableIterator<ResultRecord> it = job.results(env, csv.toString()).all().collectAsync()) {
            JobClient client = env.executeAsync("gridlet-test");
            it.forEachRemaining(records::add); // the collect sink waits for us: drain before waiting for the job
            JobExecutionResult result = client.getJobExecutionResult().get();
            return new Collected(records, GateCounts.from(result.getAllAccumulatorResults()));
        }
    }

    /** Lines per file in the core's order: each file sorted by (boundary or timestamp, ids). */
    static Map<String, List<String>> linesByFile(List<ResultRecord> records) {
        Map<String, List<ResultRecord>> byFile = new TreeMap<>();
        for (ResultRecord r : records) byFile.computeIfAbsent(r.file(), f -> new ArrayList<>()).add(r);
        Map<String, List<String>> lines = new TreeMap<>();
        byFile.forEach((file, rs) -> {
            rs.sort(ResultRecord.ORDER);
            lines.put(file, rs.stream().map(ResultRecord::line).toList());
        });
        return lines;
    }
}
