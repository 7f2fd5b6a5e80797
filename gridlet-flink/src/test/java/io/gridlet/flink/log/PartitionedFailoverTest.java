package io.gridlet.flink.log;

import io.gridlet.core.engine.QueryConfig;
import io.gridlet.core.generate.GeneratorConfig;
import io.gridlet.flink.Awaits;
import io.gridlet.flink.FlinkRun;
import io.gridlet.flink.RunDirectory;
import io.gridlet.flink.elastic.JobRest;
import io.gridlet.flink.operators.GateCounts;
import io.gridlet.log.local.LocalLog;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.HeartbeatManagerOptions;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The partitioned reading path fails over in place: a log of 2 partitions read at parallelism 2 on two
 * TaskManagers, one of them stopped mid-run, so one partition's source task (its reader and its order gate) dies
 * with it, and the job restarts every task from the latest checkpoint (the job is one failover region: keyBy joins
 * all). The readers come back with their splits (partition, position, count) from their checkpointed state; under
 * Flink's default scheduler the split enumerator lives on (told of each reader's reset), under the adaptive
 * scheduler, which `gridlet run` and `gridlet serve` use, it is made anew from the checkpoint; either way the readers
 * register again with watermark alignment. The files equal the core's, every line counted once.
 */
class PartitionedFailoverTest {
    @TempDir
    Path dir;

    private static Configuration settings(JobManagerOptions.SchedulerType scheduler) {
        Configuration conf = new Configuration();
        conf.set(JobManagerOptions.SCHEDULER, scheduler);
        conf.set(JobManagerOptions.RESOURCE_STABILIZATION_TIMEOUT, Duration.ofMillis(200)); // (adaptive: as embedded)
        conf.set(HeartbeatManagerOptions.HEARTBEAT_INTERVAL, Duration.ofSeconds(1));
        // slots spread over the TaskManagers: each runs one partition's source and gate
        conf.set(TaskManagerOptions.TASK_MANAGER_LOAD_BALANCE_MODE, TaskManagerOptions.TaskManagerLoadBalanceMode.SLOTS);
        // the REST API's metrics (the restart count) fetched every 100 ms, not every 10 s: the run lasts about 10 s
        conf.set(MetricOptions.METRIC_FETCHER_UPDATE_INTERVAL, Duration.ofMillis(100));
        conf.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
        conf.set(RestOptions.ADDRESS, "127.0.0.1");
        conf.set(RestOptions.BIND_PORT, "0");
        return conf;
    }

    @ParameterizedTest(name = "{0} scheduler")
    @EnumSource(value = JobManagerOptions.SchedulerType.class, names = {"Default", "Adaptive"})
    void losingATaskManagerThatReadsAPartitionChangesNothingInTheOutput(JobManagerOptions.SchedulerType scheduler)
            throws Exception {
        PartitionedLogTest.Data data = PartitionedLogTest.Data.of(dir.resolve("data"), GeneratorConfig.builder()
                .seed(41).layout(4, 2, 3).span(3 * 3_600 / 86_400.0, 4).gaps(0.05, 0.05, 0).badLines(0.0, 0.0)
                .build());
        LocalLog log = new LocalLog(dir.resolve("log"), LocalLog.Fsync.NEVER, LocalLog.DEFAULT_SEGMENT_BYTES, 2);
        long written = PartitionedLogTest.write(log, data.readings(), true);
        Path out = dir.resolve("out");
        RunDirectory work = new RunDirectory(out);
        FlinkRun run = new FlinkRun(QueryConfig.DEFAULT, PartitionedLogTest.LATENESS, Duration.ofMillis(200))
                .partitions(2).replayRate(written / 2 / 10) // each gate paced: about 10 s for all
                .onCluster(); // the restart strategy of a cluster (a lost TaskManager may fail tasks more than once)
        work.prepare(run.identity(log.describe()), true);
        CompletableFuture<JobClient> job = new CompletableFuture<>();
        ExecutorService background = Executors.newSingleThreadExecutor();
        try (MiniCluster cluster = new MiniCluster(new MiniClusterConfiguration.Builder()
                .setConfiguration(settings(scheduler)).setNumTaskManagers(2).setNumSlotsPerTaskManager(2).build())) {
            cluster.start();
            URI address = cluster.getRestAddress().get();
            String base = address.toString();
            StreamExecutionEnvironment env = FlinkRun.remote(address.getHost() + ":" + address.getPort(), 2);
            Future<FlinkRun.Outcome> outcome = background.submit(() -> run.run(env, LogSources.of(log),
                    "partitioned failover", out, work, Optional.empty(), job::complete, results -> { }));
            JobRest rest = new JobRest(base, job.get(60, TimeUnit.SECONDS).getJobID().toHexString());
            Awaits.until(outcome, "a third of the lines read", () -> {
                GateCounts counts = run.progress();
                return counts != null && counts.lines() >= written / 3;
            });
            long at = PartitionedLogTest.checkpoints(work);
            Awaits.until(outcome, "a checkpoint after that", () -> {
                try {
                    return PartitionedLogTest.checkpoints(work) > at;
                } catch (IOException e) {
                    return false;
                }
            });
            assertThat(sourceTaskManagers(base, rest)).as("TaskManagers running a partition's source task, so the one "
                    + "stopped runs one").isEqualTo(2);
            cluster.terminateTaskManager(0).get();
            Awaits.until(outcome, "a restart", () -> {
                try {
                    return rest.restarts() >= 1;
                } catch (IOException e) {
                    return false;
                }
            });

            FlinkRun.Outcome done = outcome.get(120, TimeUnit.SECONDS);
            data.generated().assertSameFiles(out);
            assertThat(done.counts().lines()).as("every partition's lines, counted once").isEqualTo(written);
            assertThat(done.counts().loads() + done.counts().works()).isEqualTo(written);
            assertThat(done.counts().rejections().total()).isZero();
        } finally {
            background.shutdownNow();
        }
    }

    /** How many TaskManagers run subtasks of the source (from Flink's REST API: the vertex's task managers). */
    private static int sourceTaskManagers(String base, JobRest rest) throws Exception {
        String source = rest.job().vertices().stream().filter(v -> v.name().startsWith("Source: readings"))
                .findFirst().orElseThrow().id();
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                base + "/jobs/" + rest.jobId() + "/vertices/" + source + "/taskmanagers")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode managers = new ObjectMapper().readTree(response.body()).path("taskmanagers");
        int running = 0;
        for (JsonNode m : managers) if (m.path("status").asText().equals("RUNNING")) running++;
        return running;
    }
}
