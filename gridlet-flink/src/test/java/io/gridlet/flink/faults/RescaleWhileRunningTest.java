package io.gridlet.flink.faults;

import io.gridlet.flink.FlinkRun;
import io.gridlet.flink.elastic.JobRest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fault test (a): the embedded job is rescaled 1 -> 2 -> 1 while it runs, through the adaptive scheduler's
 * resource-requirements REST endpoint; each rescale restarts it from its latest checkpoint with the keyed state
 * redistributed by key group. The output is the undisturbed run's, line for line.
 */
class RescaleWhileRunningTest {
    @TempDir
    Path dir;

    @Test
    void rescalingOneTwoOneMidRunChangesNothingInTheOutput() throws Exception {
        FaultRuns data = FaultRuns.in(dir);
        Path out = dir.resolve("rescaled");
        int port = FlinkRun.freeLoopbackPort();
        long lines = data.expectedSummary.lines();
        try (FaultRuns.Background run = new FaultRuns.Background(FaultRuns.newRun(),
                FlinkRun.embedded(1, 2, port), data.csv, out, Optional.empty())) {
            JobRest rest = new JobRest("127.0.0.1:" + port, run.job().getJobID().toHexString());
            FaultRuns.awaitParallelism(run, rest, 1);
            run.awaitLines(lines / 5);
            run.awaitNewCheckpoint();

            rest.rescale(2);
            FaultRuns.awaitParallelism(run, rest, 2);
            assertThat(rest.requestedParallelism()).isEqualTo(2);
            run.awaitLines(lines / 2);
            run.awaitNewCheckpoint();

            rest.rescale(1);
            FaultRuns.awaitParallelism(run, rest, 1);
            data.assertUndisturbed(run.finish(), out);
        }
    }
}
