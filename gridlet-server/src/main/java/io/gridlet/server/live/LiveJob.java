package io.gridlet.server.live;

import io.gridlet.core.engine.QueryConfig;
import io.gridlet.flink.FlinkRun;
import io.gridlet.flink.RunDirectory;
import io.gridlet.flink.log.LogSources;
import io.gridlet.flink.operators.Boundary;
import io.gridlet.flink.sink.ResultHub;
import io.gridlet.log.IngestLog;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The queries running continuously over the ingest log on the embedded Flink MiniCluster: results into the
 * run's files (exactly once, merged when the log's end-of-data entry is reached) and, as they come, into a
 * {@link ResultHub} for subscribers. A job stopped before the end (the service shut down) resumes from its last
 * checkpoint when started again on the same output directory: its log position is in that checkpoint.
 */
public final class LiveJob implements AutoCloseable {
    private final FlinkRun run;
    private final RunDirectory dir;
    private final int restPort;
    private final CompletableFuture<JobClient> submitted = new CompletableFuture<>();
    private final Future<FlinkRun.Outcome> outcome;
    private final ExecutorService runner = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "gridlet-live-job");
        t.setDaemon(true);
        return t;
    });
    private final Optional<Path> resumedFrom;

    /** What the job runs with. */
    public record Settings(QueryConfig queries, long maxLatenessSeconds, Duration checkpointInterval,
                           int parallelism, int slots, Boundary boundary) {
        public static Settings defaults() {
            return new Settings(QueryConfig.DEFAULT, 5, Duration.ofSeconds(5), 1, 4, Boundary.PLAIN);
        }
    }

    private LiveJob(IngestLog log, Settings s, Path out, String hub, boolean fresh) throws IOException {
        run = new FlinkRun(s.queries(), s.maxLatenessSeconds(), s.checkpointInterval()).boundary(s.boundary());
        dir = new RunDirectory(out);
        resumedFrom = dir.prepare(run.identity(log.describe()), fresh);
        restPort = FlinkRun.freeLoopbackPort();
        StreamExecutionEnvironment env = FlinkRun.embedded(s.parallelism(), Math.max(s.slots(), s.parallelism()),
                restPort);
        outcome = runner.submit(() -> run.run(env, LogSources.of(log), "gridlet live " + log.describe(),
                out.toAbsolutePath(), dir, resumedFrom, job -> {
                    try {
                        dir.recordJob(rest(), job.getJobID().toHexString());
                    } catch (IOException e) {
                        // only `gridlet scale` reads it; the job runs on
                    }
                    submitted.complete(job);
                }, results -> {
                    results.q1().sinkTo(ResultHub.sink(hub)).name("q1-subscribers");
                    results.q2().sinkTo(ResultHub.sink(hub)).name("q2-subscribers")
                            .setParallelism(1).setMaxParallelism(1);
                }));
    }

    /**
     * Starts the job over {@code log} into {@code out}, resuming an unfinished run of the same log there unless
     * {@code fresh}.
     */
    public static LiveJob start(IngestLog log, Settings settings, Path out, String hub, boolean fresh)
            throws IOException {
        return new LiveJob(log, settings, out, hub, fresh);
    }

    /** The checkpoint this run resumed from, if it did. */
    public Optional<Path> resumedFrom() {
        return resumedFrom;
    }

    public FlinkRun run() {
        return run;
    }

    public RunDirectory directory() {
        return dir;
    }

    /** The embedded Flink REST endpoint (for rescaling: {@code gridlet scale}). */
    public String rest() {
        return "127.0.0.1:" + restPort;
    }

    public JobClient job(Duration wait) throws Exception {
        return submitted.get(wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    public boolean isDone() {
        return outcome.isDone();
    }

    /** Waits for the job to finish (after the end of data); its counts and files. */
    public FlinkRun.Outcome await(Duration wait) throws Exception {
        return outcome.get(wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Stops the job, keeping its last checkpoint to resume from. */
    @Override
    public void close() throws Exception {
        if (!outcome.isDone() && submitted.isDone()) {
            try {
                submitted.get().cancel().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                // it finished or failed meanwhile
            }
        }
        try {
            outcome.get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            // a cancelled job ends with an exception
        }
        runner.shutdownNow();
    }
}
