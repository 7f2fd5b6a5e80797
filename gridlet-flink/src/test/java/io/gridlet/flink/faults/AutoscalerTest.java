package io.gridlet.flink.faults;

import io.gridlet.flink.FlinkRun;
import io.gridlet.flink.elastic.Autoscaler;
import io.gridlet.flink.elastic.ElasticityController;
import io.gridlet.flink.elastic.JobRest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The controller's loop on a real running job: it reads the job's busy time over REST, decides to scale out and
 * rescales the job; a parallelism then requested by hand is noticed and wins. Thresholds are set so low that any
 * real load counts as overload (the decision logic itself is ElasticityControllerTest's); the output stays exact.
 */
class AutoscalerTest {
    @TempDir
    Path dir;

    @Test
    void scalesOutOnTheJobsOwnSignalsAndYieldsToAManualRescale() throws Exception {
        FaultRuns data = FaultRuns.in(dir);
        Path out = dir.resolve("autoscaled");
        int port = FlinkRun.freeLoopbackPort();
        ElasticityController.Settings eager = ElasticityController.Settings.defaults(1, 2, FlinkRun.MAX_PARALLELISM)
                .withThresholds(new ElasticityController.Thresholds(1e-4, 2e-4, 0, 0.5, 1.01))
                .withTiming(new ElasticityController.Timing(Duration.ZERO, Duration.ofHours(1), Duration.ZERO, 10));
        try (FaultRuns.Background run = new FaultRuns.Background(FaultRuns.newRun(),
                FlinkRun.embedded(1, 2, port), data.csv, out, Optional.empty())) {
            JobRest rest = new JobRest("127.0.0.1:" + port, run.job().getJobID().toHexString());
            try (Autoscaler autoscaler = new Autoscaler(rest, 1, new ElasticityController(eager), change -> { })
                    .start(Duration.ofMillis(200))) {
                FaultRuns.awaitParallelism(run, rest, 2);
                assertThat(autoscaler.history()).first().satisfies(c -> {
                    assertThat(c.from()).isEqualTo(1);
                    assertThat(c.to()).isEqualTo(2);
                    assertThat(c.manual()).isFalse();
                    assertThat(c.reason()).contains("at parallelism 1").contains("scale out to 2");
                });
                run.awaitNewCheckpoint();

                rest.rescale(1); // what gridlet scale does
                FaultRuns.awaitParallelism(run, rest, 1);
                run.await("the manual rescale noticed", () -> autoscaler.history().size() >= 2);
                Autoscaler.Change manual = autoscaler.history().get(1);
                assertThat(manual.manual()).isTrue();
                assertThat(manual.to()).isEqualTo(1);
                run.await("a decision after the override", () -> autoscaler.status().contains("manual override"));
                data.assertUndisturbed(run.finish(), out);
                assertThat(autoscaler.history()).hasSize(2); // it never took the job back to 2
            }
        }
    }
}
