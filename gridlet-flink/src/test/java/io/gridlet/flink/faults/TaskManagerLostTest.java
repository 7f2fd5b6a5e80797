package io.gridlet.flink.faults;

import io.gridlet.flink.elastic.JobRest;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.HeartbeatManagerOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fault test (b): a MiniCluster with two TaskManagers runs the job at parallelism 2 across both; one TaskManager
 * is stopped mid-run, its tasks fail, and the job restarts from its latest checkpoint on the slots left. The
 * output is the undisturbed run's, line for line.
 */
class TaskManagerLostTest {
    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder()
                    .setNumberTaskManagers(2)
                    .setNumberSlotsPerTaskManager(2)
                    .setConfiguration(settings())
                    .build());

    private static Configuration settings() {
        Configuration conf = new Configuration();
        conf.set(HeartbeatManagerOptions.HEARTBEAT_INTERVAL, Duration.ofSeconds(1));
        // one slot on each TaskManager: losing TaskManager 0 always takes an instance with it
        conf.set(TaskManagerOptions.TASK_MANAGER_LOAD_BALANCE_MODE, TaskManagerOptions.TaskManagerLoadBalanceMode.SLOTS);
        return conf;
    }

    @TempDir
    Path dir;

    @Test
    void losingATaskManagerMidRunChangesNothingInTheOutput(@InjectMiniCluster MiniCluster cluster) throws Exception {
        FaultRuns data = FaultRuns.in(dir);
        Path out = dir.resolve("failed-over");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        try (FaultRuns.Background run = new FaultRuns.Background(FaultRuns.newRun(), env, data.csv, out,
                Optional.empty())) {
            JobRest rest = new JobRest(cluster.getRestAddress().get().toString(),
                    run.job().getJobID().toHexString());
            run.awaitLines(data.expectedSummary.lines() / 3);
            run.awaitNewCheckpoint();
            cluster.terminateTaskManager(0).get();
            run.await("a restart", () -> {
                try {
                    return rest.restarts() >= 1;
                } catch (java.io.IOException e) {
                    return false;
                }
            });
            data.assertUndisturbed(run.finish(), out);
            assertThat(rest.restarts()).isGreaterThanOrEqualTo(1);
        }
    }
}
