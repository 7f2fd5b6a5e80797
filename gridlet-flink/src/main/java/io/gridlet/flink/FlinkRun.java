package io.gridlet.flink;

import io.gridlet.core.engine.QueryConfig;
import io.gridlet.core.q1.Forecaster;
import io.gridlet.core.result.ResultLines;
import io.gridlet.flink.operators.Boundary;
import io.gridlet.flink.operators.GateCounts;
import io.gridlet.flink.sink.ResultMerge;
import io.gridlet.flink.sink.ResultParts;
import io.gridlet.flink.source.PartitionAlignment;
import io.gridlet.flink.source.SourceRecord;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.HeartbeatManagerOptions;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.configuration.WebOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.jobgraph.SavepointConfigOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One run of {@link GridletJob} over a file into the spec's output files, on any Flink environment: the embedded
 * MiniCluster ({@link #embedded}), a remote cluster ({@link #remote}), or the one {@code flink run} provides.
 *
 * <p>Exactly-once end to end: checkpoints in exactly-once mode into the run's {@link RunDirectory}; the file
 * source's position and every operator's state are in them; results go through Flink's FileSink, which commits a
 * checkpoint's part files only when the checkpoint completes, and are merged into the spec's files at the end. A
 * failed task restarts from the last checkpoint; a killed run resumes from it ({@code resumeFrom}).
 */
public final class FlinkRun {
    /** Max parallelism of the keyed operators: the number of key groups state is split into (see docs/flink-job.md). */
    public static final int MAX_PARALLELISM = 128;
    public static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofSeconds(10);
    /** Where a sealed run leaves its sealed result parts in the output directory. */
    public static final String SEALED_RESULTS = "sealed-results";
    /** A failed task is restarted this many times, this long apart, before the run fails. */
    static final int RESTART_ATTEMPTS = 3;
    static final Duration RESTART_DELAY = Duration.ofMillis(500);
    /**
     * On a cluster, machines come and go: a lost TaskManager fails the job's tasks (more than once while the
     * JobManager still counts its slots), so a run there fails only after this many failures within
     * {@link #CLUSTER_FAILURE_WINDOW}, restarting {@link #CLUSTER_RESTART_DELAY} apart.
     */
    static final int CLUSTER_FAILURES = 20;
    static final Duration CLUSTER_FAILURE_WINDOW = Duration.ofMinutes(10);
    public static final Duration CLUSTER_RESTART_DELAY = Duration.ofSeconds(1);

    private final QueryConfig config;
    private final long maxLateness;
    private final Duration checkpointInterval;
    private Boundary boundary = Boundary.PLAIN;
    private long replayRate;
    private int partitions = 1;
    private Duration maxDrift = PartitionAlignment.MAX_DRIFT;
    private boolean onCluster;
    private volatile JobClient job;

    /**
     * What a finished run counted and wrote; {@code mostHeldAhead}: the most readings a keyed instance held at once
     * for a partition's gate ahead of the others (in the last attempt; 0 with one partition).
     */
    public record Outcome(GateCounts counts, Map<String, Long> linesWritten, long nanos, long mostHeldAhead) {
    }

    public FlinkRun(QueryConfig config, long maxLatenessSeconds, Duration checkpointInterval) {
        if (checkpointInterval.toMillis() < 10) throw new IllegalArgumentException("checkpoint interval < 10 ms");
        this.config = config;
        this.maxLateness = maxLatenessSeconds;
        this.checkpointInterval = checkpointInterval;
    }

    /**
     * An in-process MiniCluster with {@code slots} slots (at least the parallelism; more leave room to scale out),
     * Flink's adaptive scheduler (rescalable while running through its REST endpoint), and the REST endpoint on
     * 127.0.0.1 at {@code restPort}.
     */
    public static StreamExecutionEnvironment embedded(int parallelism) {
        return embedded(parallelism, parallelism, 0);
    }

    /** As {@link #embedded(int)}, with room to scale out to {@code slots}, REST at {@code restPort} (0: any). */
    public static StreamExecutionEnvironment embedded(int parallelism, int slots, int restPort) {
        if (slots < parallelism) throw new IllegalArgumentException("fewer slots than the parallelism");
        Configuration conf = new Configuration();
        conf.set(TaskManagerOptions.NUM_TASK_SLOTS, slots);
        conf.set(JobManagerOptions.SCHEDULER, JobManagerOptions.SchedulerType.Adaptive);
        // rescale as soon as asked: Gridlet's controller has its own cooldown and limits
        conf.set(JobManagerOptions.SCHEDULER_SCALING_INTERVAL_MIN, Duration.ZERO);
        conf.set(JobManagerOptions.RESOURCE_STABILIZATION_TIMEOUT, Duration.ofMillis(200));
        // accumulators (the progress display's counts) travel with heartbeats: every second, not every ten
        conf.set(HeartbeatManagerOptions.HEARTBEAT_INTERVAL, Duration.ofSeconds(1));
        // the REST endpoint's metrics (the autoscaler's signals) refreshed every second too
        conf.set(MetricOptions.METRIC_FETCHER_UPDATE_INTERVAL, Duration.ofSeconds(1));
        // the REST view of the job (its state, its vertices' parallelism) is cached this long: rescales and
        // restarts show within 0.1 s instead of 3
        conf.set(WebOptions.REFRESH_INTERVAL, Duration.ofMillis(100));
        conf.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
        conf.set(RestOptions.ADDRESS, "127.0.0.1");
        conf.set(RestOptions.BIND_PORT, Integer.toString(restPort));
        conf.set(RestOptions.PORT, restPort);
        return StreamExecutionEnvironment.createLocalEnvironment(parallelism, conf);
    }

    /** A free port on 127.0.0.1 for the embedded REST endpoint. */
    public static int freeLoopbackPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** A remote Flink cluster's JobManager at {@code host:port} (REST port); jars hold the job's classes. */
    public static StreamExecutionEnvironment remote(String hostPort, int parallelism, String... jars) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0) throw new IllegalArgumentException("--cluster must be host:port, got " + hostPort);
        int port = Integer.parseInt(hostPort.substring(colon + 1));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createRemoteEnvironment(
                hostPort.substring(0, colon), port, new Configuration(), jars);
        env.setParallelism(parallelism);
        return env;
    }

    /** The trusted boundary the job runs in. */
    public Boundary boundary() {
        return boundary;
    }

    /** Runs the job inside this trusted boundary ({@link Boundary#PLAIN} by default). */
    public FlinkRun boundary(Boundary boundary) {
        this.boundary = Objects.requireNonNull(boundary);
        return this;
    }

    /**
     * The source has {@code n} partitions (a partitioned ingest log): read by as many source instances, each with
     * its own order gate (see {@link GridletJob#results(StreamExecutionEnvironment, Source, int)}).
     */
    public FlinkRun partitions(int n) {
        if (n < 1) throw new IllegalArgumentException("partitions must be >= 1, got " + n);
        this.partitions = n;
        return this;
    }

    /** The job runs on a Flink cluster: it tolerates lost TaskManagers (see {@link #CLUSTER_FAILURES}). */
    public FlinkRun onCluster() {
        this.onCluster = true;
        return this;
    }

    /** Over several partitions, how far a reader may run ahead of the slowest ({@link GridletJob#maxDrift}). */
    public FlinkRun maxDrift(Duration drift) {
        this.maxDrift = Objects.requireNonNull(drift);
        return this;
    }

    /** Replays the input at most this many lines per second (0, the default: as fast as possible). */
    public FlinkRun replayRate(long linesPerSecond) {
        if (linesPerSecond < 0) throw new IllegalArgumentException("replay rate must be >= 0");
        this.replayRate = linesPerSecond;
        return this;
    }

    /**
     * What a run is over, to tell whether an unfinished run can be resumed: the input (by path, size and
     * modification time, or the generator's settings), the queries' settings and the lateness. Parallelism is
     * not part of it: a run may resume at another parallelism.
     */
    public String identity(String input) {
        return input + "; epoch " + config.epoch() + ", slices " + Arrays.toString(config.sliceSeconds())
                + ", windows " + Arrays.toString(config.windowSeconds()) + ", max lateness " + maxLateness
                + " s, max parallelism " + MAX_PARALLELISM
                // a partition's position and gate belong to its subtask: another count is another run
                + (partitions == 1 ? "" : ", " + partitions + " partitions")
                + (config.forecaster() == Forecaster.SPEC ? "" : ", forecaster " + config.forecaster().label());
    }

    /** {@link #identity} of a file input. */
    public String identity(Path input) throws IOException {
        Path file = input.toAbsolutePath();
        return identity(file + " (" + Files.size(file) + " bytes, modified " + Files.getLastModifiedTime(file) + ")");
    }

    /** The running job, once submitted (for progress and rescaling). */
    public JobClient job() {
        return job;
    }

    /** Counts so far of the running job, or null if not (yet) available. */
    public GateCounts progress() {
        JobClient j = job;
        if (j == null) return null;
        try {
            return GateCounts.from(j.getAccumulators().get(2, TimeUnit.SECONDS));
        } catch (Exception e) {
            return null;
        }
    }

    /**
     * Runs the job over {@code input} into {@code outDir}, with its checkpoints and parts in {@code dir}
     * (prepared by the caller: {@link RunDirectory#startFresh}, or left as it is to resume from
     * {@code resumeFrom}). {@code submitted} is told once the job runs. On success the work directory is removed.
     */
    public Outcome run(StreamExecutionEnvironment env, Path input, Path outDir, RunDirectory dir,
                       Optional<Path> resumeFrom, Consumer<JobClient> submitted) throws Exception {
        return run(env, GridletJob.csvSource(input.toString()), "gridlet " + input.getFileName(), outDir, dir,
                resumeFrom, submitted, results -> { });
    }

    /**
     * As {@link #run(StreamExecutionEnvironment, Path, Path, RunDirectory, Optional, Consumer)}, over any source
     * of parsed readings; {@code moreSinks} may add sinks to the results (the live service's subscribers).
     */
    public Outcome run(StreamExecutionEnvironment env, Source<
                               SourceRecord, ?, ?> source, String name, Path outDir,
                       RunDirectory dir, Optional<Path> resumeFrom, Consumer<JobClient> submitted,
                       Consumer<GridletJob.Results> moreSinks) throws Exception {
        long start = System.nanoTime();
        Files.createDirectories(outDir);
        Files.createDirectories(dir.parts());
        configure(env, dir, resumeFrom);
        Boundary inRun = boundary.forRun(dir.runId()); // sealed state names its run
        GridletJob.Results results = new GridletJob(config, maxLateness, replayRate, inRun).maxDrift(maxDrift)
                .results(env, source, partitions);
        // one sink per query, each chained to its operator: result lines never cross the network
        results.q1().sinkTo(ResultParts.sink(dir.parts().toString(), inRun)).name("q1-files");
        results.q2().sinkTo(ResultParts.sink(dir.parts().toString(), inRun)).name("q2-files")
                .setParallelism(1).setMaxParallelism(1);
        moreSinks.accept(results);
        job = env.executeAsync(name);
        submitted.accept(job);
        JobExecutionResult result = job.getJobExecutionResult().get();
        // a sealed run's results stay sealed: the owner opens and merges them (ResultMerge with ResultParts.opener)
        Map<String, Long> written = boundary.isSealed()
                ? ResultMerge.keepSealed(dir.parts(), outDir.resolve(SEALED_RESULTS), ResultLines.headers(config),
                        dir.runId())
                : ResultMerge.merge(dir.parts(), outDir, ResultLines.headers(config));
        dir.finish();
        Map<String, Object> accumulators = result.getAllAccumulatorResults();
        return new Outcome(GateCounts.from(accumulators), written, System.nanoTime() - start,
                GateCounts.mostHeldAhead(accumulators));
    }

    /** A run from scratch (any unfinished run in {@code outDir} is discarded). */
    public Outcome runFresh(StreamExecutionEnvironment env, Path input, Path outDir) throws Exception {
        RunDirectory dir = new RunDirectory(outDir);
        dir.prepare(identity(input), true);
        return run(env, input, outDir, dir, Optional.empty(), job -> { });
    }

    private void configure(StreamExecutionEnvironment env, RunDirectory dir, Optional<Path> resumeFrom) {
        Configuration conf = new Configuration();
        if (onCluster) {
            conf.set(RestartStrategyOptions.RESTART_STRATEGY, "failure-rate");
            conf.set(RestartStrategyOptions.RESTART_STRATEGY_FAILURE_RATE_MAX_FAILURES_PER_INTERVAL,
                    CLUSTER_FAILURES);
            conf.set(RestartStrategyOptions.RESTART_STRATEGY_FAILURE_RATE_FAILURE_RATE_INTERVAL,
                    CLUSTER_FAILURE_WINDOW);
            conf.set(RestartStrategyOptions.RESTART_STRATEGY_FAILURE_RATE_DELAY, CLUSTER_RESTART_DELAY);
        } else {
            conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
            conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, RESTART_ATTEMPTS);
            conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, RESTART_DELAY);
        }
        resumeFrom.ifPresent(checkpoint ->
                conf.set(SavepointConfigOptions.SAVEPOINT_PATH, checkpoint.toUri().toString()));
        env.configure(conf);
        env.setMaxParallelism(MAX_PARALLELISM);
        env.enableCheckpointing(checkpointInterval.toMillis(), CheckpointingMode.EXACTLY_ONCE);
        env.getCheckpointConfig().setCheckpointStorage(dir.checkpoints().toUri());
        // kept when the job is cancelled or fails for good, so the run can be resumed; removed by finish()
        env.getCheckpointConfig().setExternalizedCheckpointRetention(
                ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
    }
}
