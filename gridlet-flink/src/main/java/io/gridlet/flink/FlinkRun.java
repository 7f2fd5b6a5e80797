package io.gridlet.flink;

import io.gridlet.core.engine.QueryConfig;
import io.gridlet.core.output.ResultLines;
import io.gridlet.flink.operators.GateCounts;
import io.gridlet.flink.sink.ResultMerge;
import io.gridlet.flink.sink.ResultParts;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One run of {@link GridletJob} over a file into the spec's output files, on any Flink environment: the embedded
 * MiniCluster ({@link #embedded}), a remote cluster ({@link #remote}), or the one {@code flink run} provides.
 * Results go through Flink's FileSink (committed on checkpoints) into hidden part files, then are merged.
 */
public final class FlinkRun {
    /** Checkpoints commit the result files; at the end of input Flink takes a final one. */
    public static final long CHECKPOINT_INTERVAL_MS = 2_000;

    private final QueryConfig config;
    private final long maxLateness;
    private volatile JobClient job;

    /** What a finished run counted and wrote. */
    public record Outcome(GateCounts counts, Map<String, Long> linesWritten, long nanos) {
    }

    public FlinkRun(QueryConfig config, long maxLatenessSeconds) {
        this.config = config;
        this.maxLateness = maxLatenessSeconds;
    }

    /** An in-process MiniCluster with one slot per parallel instance. */
    public static StreamExecutionEnvironment embedded(int parallelism) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(parallelism, settings());
        return env;
    }

    /** A remote Flink cluster's JobManager at {@code host:port} (REST port); jars hold the job's classes. */
    public static StreamExecutionEnvironment remote(String hostPort, int parallelism, String... jars) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0) throw new IllegalArgumentException("--cluster must be host:port, got " + hostPort);
        int port = Integer.parseInt(hostPort.substring(colon + 1));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createRemoteEnvironment(
                hostPort.substring(0, colon), port, settings(), jars);
        env.setParallelism(parallelism);
        return env;
    }

    private static Configuration settings() {
        Configuration conf = new Configuration();
        // the operators keep their state in memory until the exactly-once work: a restart would lose it silently,
        // so a failure fails the run
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        return conf;
    }

    /** The running job, once submitted (for progress). */
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

    public Outcome run(StreamExecutionEnvironment env, Path input, Path outDir) throws Exception {
        long start = System.nanoTime();
        Path parts = outDir.resolve(".parts");
        deleteTree(parts);
        Files.createDirectories(outDir);
        env.enableCheckpointing(CHECKPOINT_INTERVAL_MS);
        GridletJob.Results results = new GridletJob(config, maxLateness).results(env, input.toString());
        // one sink per query, each chained to its operator: result lines never cross the network
        results.q1().sinkTo(ResultParts.sink(parts.toString())).name("q1-files");
        results.q2().sinkTo(ResultParts.sink(parts.toString())).name("q2-files").setParallelism(1);
        job = env.executeAsync("gridlet " + input.getFileName());
        JobExecutionResult result = job.getJobExecutionResult().get();
        Map<String, Long> written = ResultMerge.merge(parts, outDir, ResultLines.headers(config));
        deleteTree(parts);
        return new Outcome(GateCounts.from(result.getAllAccumulatorResults()), written, System.nanoTime() - start);
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }
}
