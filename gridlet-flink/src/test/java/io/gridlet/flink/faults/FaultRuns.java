package io.gridlet.flink.faults;

import io.gridlet.core.engine.QueryConfig;
import io.gridlet.core.engine.Replay;
import io.gridlet.core.generate.GeneratedInput;
import io.gridlet.core.generate.GeneratorConfig;
import io.gridlet.core.generate.MeasurementGenerator;
import io.gridlet.core.result.ResultFiles;
import io.gridlet.core.result.ResultLines;
import io.gridlet.flink.Awaits;
import io.gridlet.flink.FlinkRun;
import io.gridlet.flink.RunDirectory;
import io.gridlet.flink.elastic.JobRest;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the fault tests share: a few days of generated data (with bad lines), replayed slowly enough that faults
 * land mid-run; the undisturbed result (the core's, which the Flink job equals: FlinkRunTest); a run in the
 * background; and the comparison, every output file line for line and every count.
 */
final class FaultRuns {
    static final QueryConfig CONFIG = QueryConfig.DEFAULT;
    /** 4 houses x 2 households x 2 plugs, 3 days at 60 s: ~140 k lines, ~9 s at the replay rate. */
    static final GeneratorConfig SHAPE = GeneratorConfig.builder().seed(23)
            .layout(4, 2, 2)
            .span(3.0, 60)
            .gaps(0.02, 0.3, 40)
            .badLines(0.002, 0.02)
            .build();
    static final long REPLAY_RATE = 15_000;
    static final Duration CHECKPOINTS = Duration.ofMillis(300);

    final Path csv;
    final Path expected;
    final Replay.Summary expectedSummary;

    private FaultRuns(Path csv, Path expected, Replay.Summary summary) {
        this.csv = csv;
        this.expected = expected;
        this.expectedSummary = summary;
    }

    static FaultRuns in(Path dir) throws IOException {
        Path csv = dir.resolve("readings.csv");
        try (InputStream in = new GeneratedInput(new MeasurementGenerator(SHAPE))) {
            Files.copy(in, csv);
        }
        Path expected = dir.resolve("undisturbed");
        Replay.Summary summary;
        try (InputStream in = Files.newInputStream(csv); ResultFiles files = new ResultFiles(expected, CONFIG)) {
            summary = new Replay(CONFIG, 0).run(in, files);
        }
        return new FaultRuns(csv, expected, summary);
    }

    static FlinkRun newRun() {
        return new FlinkRun(CONFIG, 0, CHECKPOINTS).replayRate(REPLAY_RATE);
    }

    /** A run in the background: its job, once submitted, and its outcome. */
    static final class Background implements AutoCloseable {
        final FlinkRun run;
        final RunDirectory dir;
        final CompletableFuture<JobClient> job = new CompletableFuture<>();
        final Future<FlinkRun.Outcome> outcome;
        private final ExecutorService executor = Executors.newSingleThreadExecutor();

        Background(FlinkRun run, StreamExecutionEnvironment env, Path csv, Path out, Optional<Path> resumeFrom)
                throws IOException {
            this.run = run;
            this.dir = new RunDirectory(out);
            if (resumeFrom.isEmpty()) dir.prepare(run.identity(csv), true);
            outcome = executor.submit(() -> run.run(env, csv, out, dir, resumeFrom, job::complete));
        }

        JobClient job() throws Exception {
            return job.get(60, TimeUnit.SECONDS);
        }

        /** Waits until the input has been read this far (by the job's counts, which lag a heartbeat). */
        void awaitLines(long lines) throws Exception {
            await("input line " + lines, () -> {
                var c = run.progress();
                return c != null && c.lines() >= lines;
            });
        }

        /** Waits until a checkpoint has completed since this call. */
        void awaitNewCheckpoint() throws Exception {
            Optional<Path> before = dir.latestCheckpoint();
            await("a new checkpoint", () -> {
                try {
                    Optional<Path> now = dir.latestCheckpoint();
                    return now.isPresent() && !now.equals(before);
                } catch (IOException e) {
                    return false;
                }
            });
        }

        void await(String what, BooleanSupplier condition) throws Exception {
            Awaits.until(outcome, what, condition);
        }

        FlinkRun.Outcome finish() throws Exception {
            return outcome.get(120, TimeUnit.SECONDS);
        }

        @Override
        public void close() {
            executor.shutdownNow();
        }
    }

    /** Waits until the job runs with its elastic vertices at {@code parallelism}. */
    static void awaitParallelism(Background run, JobRest rest, int parallelism) throws Exception {
        run.await("parallelism " + parallelism, () -> {
            try {
                return rest.job().runningAt(parallelism);
            } catch (IOException e) {
                return false;
            }
        });
    }

    /** The run wrote exactly the undisturbed files and counted exactly the undisturbed counts. */
    void assertUndisturbed(FlinkRun.Outcome outcome, Path out) throws IOException {
        assertUndisturbed(outcome, out, false);
    }

    /** ... and, for a sealed run, its rejection examples name the same lines and reasons, without their content. */
    void assertUndisturbed(FlinkRun.Outcome outcome, Path out, boolean sealed) throws IOException {
        for (String file : ResultLines.headers(CONFIG).keySet()) {
            assertThat(Files.readAllLines(out.resolve(file))).as(file)
                    .isEqualTo(Files.readAllLines(expected.resolve(file)));
        }
        assertThat(Files.readAllLines(out.resolve("q1-plug-60.csv"))).hasSizeGreaterThan(1000);
        var counts = outcome.counts();
        assertThat(counts.lines()).isEqualTo(expectedSummary.lines());
        assertThat(counts.loads()).isEqualTo(expectedSummary.loads());
        assertThat(counts.works()).isEqualTo(expectedSummary.works());
        assertThat(counts.rejections().counts()).isEqualTo(expectedSummary.rejections().counts());
        if (sealed) {
            var got = counts.rejections().examples();
            var want = expectedSummary.rejections().examples();
            assertThat(got).hasSameSizeAs(want);
            for (int i = 0; i < got.size(); i++) {
                assertThat(got.get(i).lineNumber()).isEqualTo(want.get(i).lineNumber());
                assertThat(got.get(i).reason()).isEqualTo(want.get(i).reason());
                assertThat(got.get(i).text()).contains("content withheld").isNotEqualTo(want.get(i).text());
            }
        } else {
            assertThat(counts.rejections().examples()).isEqualTo(expectedSummary.rejections().examples());
        }
        assertThat(Files.exists(out.resolve(RunDirectory.NAME))).as("work directory removed").isFalse();
    }
}
