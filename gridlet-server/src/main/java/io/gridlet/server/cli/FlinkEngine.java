package io.gridlet.server.cli;

import io.gridlet.core.engine.QueryConfig;
import io.gridlet.core.engine.Replay;
import io.gridlet.core.generate.GeneratedInput;
import io.gridlet.core.generate.GeneratorConfig;
import io.gridlet.core.generate.MeasurementGenerator;
import io.gridlet.flink.FlinkRun;
import io.gridlet.flink.GridletJob;
import io.gridlet.flink.RunDirectory;
import io.gridlet.flink.elastic.Autoscaler;
import io.gridlet.flink.elastic.ElasticityController;
import io.gridlet.flink.elastic.JobRest;
import io.gridlet.flink.sink.ResultHub;
import io.gridlet.server.observe.Dashboard;
import io.gridlet.server.observe.JobMeters;
import io.gridlet.server.observe.MetricsEndpoint;
import io.gridlet.flink.operators.GateCounts;
import io.gridlet.flink.source.SourceRecord;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code gridlet run --engine flink}: the Flink job, embedded or on a cluster, exactly-once into a run directory
 * that a killed run resumes from, rescalable while it runs ({@code gridlet scale}, the autoscaler), with progress
 * and the summary.
 */
final class FlinkEngine {
    /** Result hubs of this process: each run or service its own (a hub remembers what it handed on). */
    private static final java.util.concurrent.atomic.AtomicLong HUBS = new java.util.concurrent.atomic.AtomicLong();

    /** What {@code gridlet run} was asked for, as far as the Flink engine is concerned. */
    record Settings(Job job, Scaling scaling, String cluster, Output output, Sealing sealing) {
    }

    /** What the job computes, and how it keeps time and state. */
    record Job(QueryConfig queries, long maxLateness, Duration checkpointInterval, long replayRate) {
    }

    /** How many instances the query operators start with, and whether the controller may change that. */
    record Scaling(int parallelism, boolean autoscale, int min, int max) {
    }

    /** Where the results go: a fresh start or a resume, and whether progress is shown. */
    record Output(Path dir, boolean fresh, boolean quiet, MetricsOptions metrics, boolean ui) {
    }

    /**
     * A sealed run's key directory (or the broker its keys come from) and trusted memory budget; {@link #NONE} for a
     * plain run.
     */
    record Sealing(Path keys, BrokerOptions broker, long trustedMemoryMib) {
        static final Sealing NONE = new Sealing(null, new BrokerOptions(), 0);

        boolean isSealed() {
            return keys != null;
        }
    }

    private final Settings s;

    FlinkEngine(Settings settings) {
        this.s = settings;
    }

    /** Runs over {@code file}, or over generated data (written to a file first: the job reads files). */
    int run(String file, GeneratorConfig generated, PrintWriter stdout, PrintWriter stderr) throws Exception {
        if ("-".equals(file)) throw new UserError("standard input needs --engine core (the Flink job reads files)");
        FlinkRun run = new FlinkRun(s.job().queries(), s.job().maxLateness(), s.job().checkpointInterval()).replayRate(s.job().replayRate());
        if (s.sealing().isSealed()) {
            if (file == null) throw new UserError("--sealed reads a sealed file: make one with gridlet generate "
                    + "--sealed --keys " + s.sealing().keys() + " -o FILE");
            if (s.cluster() != null) throw new UserError("--sealed runs embedded: the keys are released in-process");
            run.boundary(SealedRuns.release(s.sealing().keys(), s.sealing().broker(), "run",
                    s.sealing().trustedMemoryMib(),
                    new RunDirectory(s.output().dir()).root().resolve("spill"), stderr));
        }
        RunDirectory dir = new RunDirectory(s.output().dir());
        Path input = file == null ? dir.root().resolve("input.csv") : InputSource.readableFile(file);
        String description = file == null ? InputSource.describe(generated) : file;
        String identity = file == null ? run.identity("generated " + generated) : run.identity(input);
        Optional<Path> resume;
        try {
            resume = dir.prepare(identity, s.output().fresh());
        } catch (RunDirectory.OtherRunException e) {
            throw new UserError(e.getMessage() + "; use --fresh to discard it, or another --out");
        }
        if (file == null) generate(generated, input); // deterministic: the same bytes when resuming

        boolean embedded = s.cluster() == null;
        if (!embedded) run.onCluster();
        int slots = Math.max(s.scaling().parallelism(), s.scaling().max());
        int restPort = embedded ? FlinkRun.freeLoopbackPort() : 0;
        String rest = embedded ? "127.0.0.1:" + restPort : s.cluster();
        stderr.println("gridlet run: " + description + " -> " + s.output().dir() + "/ (" + (embedded ? "embedded Flink"
                : "Flink cluster " + s.cluster()) + ", parallelism " + s.scaling().parallelism() + ", checkpoints every "
                + Figures.seconds(s.job().checkpointInterval().toNanos()) + ")");
        resume.ifPresent(c -> stderr.println("gridlet run: resuming the unfinished run in " + s.output().dir() + " from its "
                + "last checkpoint (" + c.getFileName() + "); --fresh starts over"));
        StreamExecutionEnvironment env = embedded ? FlinkRun.embedded(s.scaling().parallelism(), slots, restPort)
                : FlinkRun.remote(s.cluster(), s.scaling().parallelism(), ownJar());

        long started = System.nanoTime();
        AtomicReference<Autoscaler> autoscaler = new AtomicReference<>();
        FlinkRun.Outcome outcome;
        PrometheusMeterRegistry registry = MetricsEndpoint.newRegistry();
        JobMeters meters = new JobMeters(registry, run::progress);
        boolean ui = s.output().ui() && embedded; // (the results reach this process only from an embedded job)
        if (s.output().ui() && !embedded) stderr.println("gridlet run: --ui shows embedded runs only");
        String hub = "run-" + ProcessHandle.current().pid() + "-" + HUBS.incrementAndGet(); // one per run
        Dashboard dashboard = ui ? new Dashboard(registry, "gridlet.job.readings", s.job().queries(),
                autoscaler::get, s.sealing().isSealed()) : null;
        if (dashboard != null) {
            dashboard.listenTo(ResultHub.named(hub));
            if (!s.sealing().isSealed()) {
                dashboard.follow(file != null ? InputSource.file(file, System.in).stream() // (.gz too)
                        : new java.io.BufferedInputStream(Files.newInputStream(input), 1 << 16), () -> {
                    GateCounts c = meters.gate();
                    return c == null || c.dataTime() == Long.MIN_VALUE ? Long.MIN_VALUE / 2 : c.dataTime();
                });
            }
        }
        try (MetricsEndpoint endpoint = s.output().metrics().start(registry, "run", stderr, dashboard);
             ProgressDisplay progress = new ProgressDisplay(System.err, !s.output().quiet(),
                     () -> status(run, autoscaler.get(), started))) {
            String path = input.toAbsolutePath().toString();
            Source<SourceRecord, ?, ?> source = s.sealing().isSealed()
                    ? GridletJob.sealedSource(path, run.boundary()) : GridletJob.csvSource(path);
            outcome = run.run(env, source, "gridlet " + input.getFileName(), s.output().dir().toAbsolutePath(), dir, resume,
                    job -> onSubmitted(job, dir, rest, embedded, stderr, progress, autoscaler, meters),
                    results -> {
                        if (!ui) return;
                        results.q1().sinkTo(ResultHub.sink(hub)).name("q1-dashboard");
                        results.q2().sinkTo(ResultHub.sink(hub)).name("q2-dashboard").setParallelism(1)
                                .setMaxParallelism(1);
                    });
        } finally {
            Autoscaler a = autoscaler.get();
            if (a != null) a.close();
        }
        Replay.Summary summary = RunReport.of(outcome);
        RunReport.writeRejections(summary, s.output().dir());
        RunReport.print(stdout, summary, outcome.linesWritten(), s.sealing().keys() == null ? s.output().dir()
                : s.output().dir().resolve(FlinkRun.SEALED_RESULTS));
        if (s.sealing().isSealed()) {
            stdout.println("sealed    the results above are sealed for the data owner: gridlet unseal --keys "
                    + s.sealing().keys() + " " + s.output().dir());
        } else {
            RunReport.printAccuracy(stdout, file != null ? InputSource.file(file, System.in)
                    : InputSource.generated(generated), s.output().dir(), s.job().queries(), s.job().maxLateness());
        }
        Autoscaler a = autoscaler.get();
        if (a != null && !a.history().isEmpty()) {
            stdout.println("parallelism over time: " + s.scaling().parallelism() + a.history().stream()
                    .map(ch -> " -> " + ch.to() + " at " + time(ch.timeMillis())).reduce("", String::concat));
        }
        return 0;
    }

    private void onSubmitted(JobClient job, RunDirectory dir, String rest, boolean embedded, PrintWriter stderr,
                             ProgressDisplay progress, AtomicReference<Autoscaler> autoscaler, JobMeters meters) {
        String jobId = job.getJobID().toHexString();
        meters.attach(new JobRest(rest, jobId));
        try {
            dir.recordJob(rest, jobId);
        } catch (IOException e) {
            stderr.println("gridlet run: cannot record the job for gridlet scale: " + e.getMessage());
        }
        if (embedded) {
            stderr.println("gridlet run: Flink REST on http://" + rest + "; rescale with: gridlet scale --out "
                    + s.output().dir() + " --parallelism N");
        }
        stderr.flush();
        if (!s.scaling().autoscale()) return;
        ElasticityController controller = new ElasticityController(
                ElasticityController.Settings.defaults(s.scaling().min(), s.scaling().max(), FlinkRun.MAX_PARALLELISM));
        Autoscaler a = new Autoscaler(new JobRest(rest, jobId), s.scaling().parallelism(), controller, change -> progress.event(
                "gridlet run: " + time(change.timeMillis()) + " " + describe(change), stderr));
        autoscaler.set(a.start(Duration.ofSeconds(2)));
        meters.attach(a);
    }

    private static String time(long millis) {
        return LocalTime.ofInstant(Instant.ofEpochMilli(millis), ZoneId.systemDefault())
                .truncatedTo(ChronoUnit.SECONDS).toString();
    }

    private static String status(FlinkRun run, Autoscaler autoscaler, long started) {
        GateCounts c = run.progress();
        if (c == null || c.lines() == 0) return "starting the Flink job ...";
        long elapsed = System.nanoTime() - started;
        String line = "read " + Figures.count(c.lines()) + " lines, data time " + Figures.dataTime(c.dataTime())
                + ", " + Figures.rate(c.lines(), elapsed);
        if (autoscaler != null && autoscaler.parallelism() > 0) {
            line += String.format(Locale.ROOT, ", parallelism %d (%s)", autoscaler.parallelism(), autoscaler.status());
        }
        return line;
    }

    private void generate(GeneratorConfig config, Path target) throws IOException {
        Files.createDirectories(target.getParent());
        MeasurementGenerator generator = new MeasurementGenerator(config);
        Path partial = target.resolveSibling(target.getFileName() + ".partial");
        try (InputStream in = new GeneratedInput(generator);
             ProgressDisplay progress = new ProgressDisplay(System.err, !s.output().quiet(), () -> String.format(
                     Locale.ROOT, "generating: %s lines (%.0f%%)", Figures.count(generator.lines()),
                     100.0 * generator.lines() / config.maxLines()))) {
            Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
        }
        Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The jar this command runs from, shipped to a remote cluster with the job. */
    /** Checks --parallelism, --scale-min and --scale-max together (gridlet run and serve). */
    static void checkScaling(int parallelism, int min, int max) {
        if (min < 1 || max < min) throw new UserError("need 1 <= --scale-min <= --scale-max");
        if (max > FlinkRun.MAX_PARALLELISM) {
            throw new UserError("--scale-max must be <= " + FlinkRun.MAX_PARALLELISM + " (the max parallelism)");
        }
        if (parallelism > max || parallelism < min) {
            throw new UserError("--parallelism must be within --scale-min..--scale-max");
        }
    }

    /** A rescale as the progress display tells it: "parallelism 1 -> 2 (autoscaler: why)". */
    static String describe(Autoscaler.Change change) {
        return "parallelism " + change.from() + " -> " + change.to() + (change.manual() ? " (manual: "
                : " (autoscaler: ") + change.reason() + ")";
    }

    static String ownJar() {
        try {
            Path jar = Path.of(FlinkEngine.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (!jar.toString().endsWith(".jar")) {
                throw new UserError("--cluster needs the packaged gridlet.jar (run ./gridlet, not from classes)");
            }
            return jar.toString();
        } catch (URISyntaxException e) {
            throw new UserError("cannot locate gridlet.jar: " + e.getMessage());
        }
    }
}
