package io.gridlet.server.live;

import io.gridlet.core.engine.QueryConfig;
import io.gridlet.flink.FlinkRun;
import io.gridlet.flink.RunDirectory;
import io.gridlet.flink.log.LogSources;
import io.gridlet.flink.operators.Boundary;
import io.gridlet.flink.sink.ResultHub;
import io.gridlet.flink.sink.ResultTopic;
import io.gridlet.flink.elastic.Autoscaler;
import io.gridlet.flink.elastic.ElasticityController;
import io.gridlet.flink.elastic.JobRest;
import io.gridlet.log.kafka.KafkaLog;
import org.apache.flink.core.execution.SavepointFormatType;
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
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;

/**
 * The queries running continuously over the ingest log on the embedded Flink MiniCluster or a Flink cluster:
 * results into the run's files (exactly once, merged when the log's end-of-data entry is reached) and, as they
 * come, into a {@link ResultHub} for subscribers (from a cluster, through a Kafka topic: {@link ResultTopic}). A job stopped before the end (the service shut down) resumes from its last
 * checkpoint when started again on the same output directory: its log position is in that checkpoint.
 */
public final class LiveJob implements AutoCloseable {
    private final FlinkRun run;
    private final RunDirectory dir;
    private final String rest;
    private final CompletableFuture<JobClient> submitted = new CompletableFuture<>();
    private final Future<FlinkRun.Outcome> outcome;
    private final ExecutorService runner = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "gridlet-live-job");
        t.setDaemon(true);
        return t;
    });
    private final Optional<Path> resumedFrom;
    private final int parallelism;
    private volatile Autoscaler autoscaler;
    private boolean closed; // guarded by this

    /** What the job runs with; {@code cluster} null: on the embedded MiniCluster. */
    public record Settings(QueryConfig queries, long maxLatenessSeconds, Duration checkpointInterval,
                           int parallelism, int slots, Boundary boundary, Cluster cluster) {
        public Settings(QueryConfig queries, long maxLatenessSeconds, Duration checkpointInterval, int parallelism,
                        int slots, Boundary boundary) {
            this(queries, maxLatenessSeconds, checkpointInterval, parallelism, slots, boundary, null);
        }

        public static Settings defaults() {
            return new Settings(QueryConfig.DEFAULT, 5, Duration.ofSeconds(5), 1, 4, Boundary.PLAIN);
        }

        /** The same, submitted to a Flink cluster. */
        public Settings on(Cluster c) {
            return new Settings(queries, maxLatenessSeconds, checkpointInterval, parallelism, slots, boundary, c);
        }
    }

    /**
     * A Flink cluster to run the job on: its JobManager's REST address, the jar with the job's classes (shipped
     * with the job), and the Kafka topic the job's results come back through (the ingest log's Kafka).
     */
    public record Cluster(String rest, String jar, String resultsTopic) {
    }

    private LiveJob(IngestLog given, Settings s, Path out, String hub, boolean fresh) throws IOException {
        Cluster cluster = s.cluster();
        parallelism = s.parallelism();
        if (cluster != null && !(given instanceof KafkaLog)) {
            throw new IllegalArgumentException("a job on a cluster reads the ingest log from Kafka, not "
                    + given.describe());
        }
        run = new FlinkRun(s.queries(), s.maxLatenessSeconds(), s.checkpointInterval()).boundary(s.boundary());
        if (cluster != null) run.onCluster();
        dir = new RunDirectory(out);
        if (cluster != null) refuseIfStillRunning(cluster); // before prepare: --fresh would forget the job
        int partitions = given.partitions();
        run.partitions(partitions); // one source instance and order gate per partition (part of the run's identity)
        // where results go is part of what a run is: the job's operators differ (a checkpoint of one cannot be
        // restored into the other), so an embedded run resumes embedded and a cluster's on a cluster
        resumedFrom = dir.prepare(run.identity(given.describe() + (cluster == null ? ""
                : "; results through Kafka topic " + cluster.resultsTopic())), fresh);
        // an earlier run over the same topic says nothing about this one's positions
        IngestLog log = given instanceof KafkaLog kafka ? kafka.forRun(dir.runId()) : given;
        int restPort = cluster == null ? FlinkRun.freeLoopbackPort() : -1;
        rest = cluster == null ? "127.0.0.1:" + restPort : cluster.rest();
        StreamExecutionEnvironment env = cluster == null
                ? FlinkRun.embedded(s.parallelism(),
                        Math.max(s.slots(), Math.max(s.parallelism(), partitions)), restPort)
                : FlinkRun.remote(cluster.rest(), s.parallelism(), cluster.jar());
        outcome = runner.submit(() -> run.run(env, LogSources.of(log), "gridlet live " + log.describe(),
                out.toAbsolutePath(), dir, resumedFrom, job -> {
                    try {
                        dir.recordJob(rest(), job.getJobID().toHexString());
                    } catch (IOException e) {
                        // only `gridlet scale` reads it; the job runs on
                    }
                    submitted.complete(job);
                }, results -> {
                    if (cluster == null) {
                        results.q1().sinkTo(ResultHub.sink(hub)).name("q1-subscribers");
                        results.q2().sinkTo(ResultHub.sink(hub)).name("q2-subscribers")
                                .setParallelism(1).setMaxParallelism(1);
                    } else { // the service follows the topic into the hub (ResultTopic.follow)
                        KafkaLog kafka = (KafkaLog) log;
                        results.q1().sinkTo(ResultTopic.sink(kafka.bootstrap(), cluster.resultsTopic(),
                                kafka.extra())).name("q1-results-topic");
                        results.q2().sinkTo(ResultTopic.sink(kafka.bootstrap(), cluster.resultsTopic(),
                                kafka.extra())).name("q2-results-topic").setParallelism(1).setMaxParallelism(1);
                    }
                }));
        if (log instanceof KafkaLog kafka) drainAtEndOfData(kafka);
    }

    /**
     * A job of this run still running on the cluster (its service was killed, or could not cancel it) would
     * write the same files and checkpoints as the new one: refused, with what to do.
     */
    private void refuseIfStillRunning(Cluster cluster) throws IOException {
        Optional<java.util.Properties> recorded = dir.job();
        if (recorded.isEmpty() || !cluster.rest().equals(recorded.get().getProperty("rest"))) return;
        String id = recorded.get().getProperty("job");
        try {
            if (!new JobRest(cluster.rest(), id).job().terminal()) {
                throw new IllegalStateException("job " + id + " of this run is still running on " + cluster.rest()
                        + " (a service stopped without cancelling it); cancel it first (Flink's web UI, or "
                        + "curl -X PATCH http://" + cluster.rest() + "/jobs/" + id + "?mode=cancel)");
            }
        } catch (IOException e) {
            // the cluster does not know it (restarted since): nothing runs
        }
    }

    /**
     * A Kafka topic does not end the job's source (it stops at offsets, not at content): once the end-of-data
     * entry is in the topic and a completed checkpoint has read through it, the job is stopped with a final
     * savepoint, draining: every reading read is processed to its results, the files are committed, and the run
     * finishes as it does at the end of a local log.
     */
    private void drainAtEndOfData(KafkaLog kafka) {
        Thread t = new Thread(() -> {
            try {
                while (!submitted.isDone()) { // (never, if the job could not be submitted)
                    if (outcome.isDone()) return;
                    Thread.sleep(200);
                }
                JobClient job = submitted.get();
                try (KafkaLog.EndOfDataProbe probe = kafka.endOfDataProbe()) { // one consumer for the job's life
                    while (!outcome.isDone()) {
                        Thread.sleep(1000);
                        boolean read;
                        try {
                            read = probe.read();
                        } catch (IOException | RuntimeException e) {
                            continue; // Kafka unreachable for now (the job's own restarts deal with it): ask again
                        }
                        if (!read) continue;
                        try {
                            job.stopWithSavepoint(true, dir.root().resolve("final-savepoint").toUri().toString(),
                                    SavepointFormatType.CANONICAL).get(10, TimeUnit.MINUTES);
                            return;
                        } catch (Exception e) {
                            // e.g. a restart in progress: try again
                        }
                    }
                }
            } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
                // the job never ran, or the service is stopping
            }
        }, "gridlet-live-drain");
        t.setDaemon(true);
        t.start();
    }

    /**
     * Starts the job over {@code log} into {@code out}, resuming an unfinished run of the same log there unless
     * {@code fresh}.
     */
    public static LiveJob start(IngestLog log, Settings settings, Path out, String hub, boolean fresh)
            throws IOException {
        return new LiveJob(log, settings, out, hub, fresh);
    }

    /**
     * Runs the elasticity controller over this job once it runs: the job's own signals (the keyed stages' busy
     * time, the source's back-pressure) and the live input's lag ({@code lagSeconds}: seconds of data time the job
     * is behind the gateway; growing above {@code lagFloorSeconds} means overloaded). Stopped with the job.
     */
    public Autoscaler autoscale(ElasticityController.Settings settings, DoubleSupplier lagSeconds,
                                double lagFloorSeconds, Duration interval, Consumer<Autoscaler.Change> changes)
            throws Exception {
        JobClient j = job(Duration.ofMinutes(10));
        Autoscaler a = new Autoscaler(new JobRest(rest, j.getJobID().toHexString()), parallelism,
                new ElasticityController(settings), changes).lag(lagSeconds, lagFloorSeconds);
        synchronized (this) {
            if (closed) throw new IllegalStateException("the job is closed");
            if (autoscaler != null) throw new IllegalStateException("the job has its controller already");
            autoscaler = a;
        }
        return a.start(interval);
    }

    /** The controller started by {@link #autoscale}, if one was. */
    public Optional<Autoscaler> autoscaler() {
        return Optional.ofNullable(autoscaler);
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

    /** The job's Flink REST endpoint, embedded or the cluster's (for rescaling: {@code gridlet scale}). */
    public String rest() {
        return rest;
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

    /**
     * Stops the job, keeping its last checkpoint to resume from. A job being submitted (a cluster's takes a jar
     * upload) is waited for, up to a minute, and cancelled too: it must not run on without its service.
     */
    @Override
    public void close() throws Exception {
        Autoscaler a;
        synchronized (this) {
            closed = true;
            a = autoscaler;
        }
        if (a != null) a.close();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!outcome.isDone() && !submitted.isDone() && System.nanoTime() < deadline) {
            Thread.sleep(100); // the submission ends in a job (cancelled below) or in a failure (the outcome)
        }
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
