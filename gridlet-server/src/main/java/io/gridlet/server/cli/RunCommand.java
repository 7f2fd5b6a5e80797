package io.gridlet.server.cli;

import io.gridlet.core.engine.QueryConfig;
import io.gridlet.core.engine.Replay;
import io.gridlet.core.generate.GeneratorConfig;
import io.gridlet.core.q1.Forecaster;
import io.gridlet.core.result.ResultFiles;
import io.gridlet.flink.FlinkRun;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code gridlet run}: both queries over a file or generated data, results into the spec's CSV files. */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
                "Runs both DEBS'14 queries (Q1 load prediction, Q2 outliers) over a CSV file, or over generated "
                        + "data when no FILE is given, and writes the spec's output files to --out.",
                "Bad lines are counted by reason, the first few reported with line numbers; the run goes on."})
final class RunCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(arity = "0..1", paramLabel = "FILE",
            description = "DEBS'14 CSV input (.csv, or .csv.gz; '-' reads standard input). Without it: generated data.")
    String file;

    @Option(names = "--generate", description = "Use generated data (the default when no FILE is given).")
    boolean generate;

    @Option(names = {"-o", "--out"}, defaultValue = "gridlet-out",
            description = "Directory for the output files (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--epoch", defaultValue = "" + QueryConfig.DEFAULT_EPOCH,
            description = "Q1 slice alignment, Unix seconds (default: ${DEFAULT-VALUE}, 2013-09-01 00:00 CEST).")
    long epoch;

    @Option(names = "--max-lateness", defaultValue = "0",
            description = "Seconds a reading may be older than the latest and still be reordered in "
                    + "(default: ${DEFAULT-VALUE}: any older reading is rejected as late).")
    long maxLateness;

    @Option(names = "--engine", defaultValue = "flink",
            description = "flink: the Flink job on an embedded MiniCluster (or --cluster); core: the single-threaded "
                    + "reference engine. Same results (default: ${DEFAULT-VALUE}).")
    Engine engine;

    @Option(names = {"-p", "--parallelism"},
            description = "Parallel instances of the Flink job's query operators (default: the number of cores).")
    Integer parallelism;

    @Option(names = "--cluster", paramLabel = "HOST:PORT",
            description = "Submit the Flink job to this cluster's JobManager (REST port) instead of running it "
                    + "embedded. FILE and --out must be on a file system the cluster sees.")
    String cluster;

    @Option(names = "--checkpoint-interval", paramLabel = "SECONDS", defaultValue = "10",
            description = "Flink: seconds between checkpoints. Results are committed at each (exactly once); a run "
                    + "that is killed resumes from the last one when started again on the same --out "
                    + "(default: ${DEFAULT-VALUE}).")
    double checkpointSeconds;

    @Option(names = "--fresh",
            description = "Flink: start over, discarding an unfinished run in --out instead of resuming it.")
    boolean fresh;

    @Option(names = "--replay-rate", paramLabel = "LINES_PER_S", defaultValue = "0",
            description = "Flink: read at most this many input lines per second, like a live feed "
                    + "(default: as fast as possible).")
    long replayRate;

    @Option(names = "--autoscale", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Flink: let the elasticity controller rescale the query stages while the job runs, between "
                    + "--scale-min and --scale-max, from their busy time and back-pressure (default: on when "
                    + "embedded; with --cluster it needs the cluster's adaptive scheduler and is off unless given).")
    boolean autoscale;

    @Option(names = "--scale-min", paramLabel = "N", defaultValue = "1",
            description = "Flink: the least parallelism the autoscaler goes to (default: ${DEFAULT-VALUE}).")
    int scaleMin;

    @Option(names = "--scale-max", paramLabel = "N",
            description = "Flink: the most parallelism the autoscaler or gridlet scale can reach (embedded: that many "
                    + "task slots; default: the larger of --parallelism and the number of cores; at most "
                    + FlinkRun.MAX_PARALLELISM + ", the job's max parallelism).")
    Integer scaleMax;

    @Option(names = "--sealed",
            description = "FILE holds sealed readings (gridlet generate --sealed): the job opens them only inside its "
                    + "trusted boundary, with keys released to it from --keys; state is sealed in checkpoints; "
                    + "results are sealed into OUT/sealed-results (gridlet unseal opens them).")
    boolean sealed;

    @Option(names = "--keys", paramLabel = "DIR", defaultValue = "gridlet-keys",
            description = "The data owner's keys, with --sealed (gridlet keys) (default: ${DEFAULT-VALUE}).")
    Path keys;

    @CommandLine.Mixin
    MetricsOptions metrics = new MetricsOptions();

    @Option(names = "--forecaster", paramLabel = "NAME", defaultValue = "spec",
            description = "What Q1's files forecast with: spec (default: the definition's predictor) or seasonal "
                    + "(seasonal exponential smoothing, an option beside the spec; gridlet accuracy scores both).")
    String forecaster;

    @Option(names = "--ui", description = "A dashboard page beside the metrics, at the printed address: "
            + "throughput, parallelism and rescales, forecasts against the measured load, outlier shares, "
            + "rejections (Flink engine, embedded).")
    boolean ui;

    @CommandLine.ArgGroup(validate = false, heading = "%nKeys from a key broker (with --sealed):%n")
    BrokerOptions broker = new BrokerOptions();

    @Option(names = "--trusted-memory", paramLabel = "MIB", defaultValue = "128",
            description = "With --sealed: MiB of Q2 window state each instance keeps in trusted memory; beyond it the "
                    + "state spills to an encrypted store in OUT/.gridlet-run/spill (default: ${DEFAULT-VALUE}, the "
                    + "enclave page cache of the seed's hardware).")
    long trustedMemoryMib;

    @Option(names = {"-q", "--quiet"}, description = "No progress display.")
    boolean quiet;

    enum Engine { flink, core }

    @ArgGroup(validate = false, heading = "%nGenerated data (when no FILE is given):%n")
    GeneratorOptions generator = new GeneratorOptions();

    @Override
    public Integer call() throws Exception {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter stderr = spec.commandLine().getErr();
        if (file != null && generate) throw new UserError("give a FILE or --generate, not both");
        if (maxLateness < 0) throw new UserError("--max-lateness must be >= 0, got " + maxLateness);
        if (parallelism != null && parallelism < 1) throw new UserError("--parallelism must be >= 1");
        if (sealed && engine == Engine.core) throw new UserError("--sealed runs the Flink job: not --engine core");
        if (trustedMemoryMib < 1) throw new UserError("--trusted-memory must be >= 1 MiB");
        if (ui && metrics.off) throw new UserError("--ui serves the dashboard beside the metrics: not with --no-metrics");
        if (engine == Engine.core) {
            for (String flinkOnly : new String[]{"--parallelism", "--cluster", "--checkpoint-interval", "--fresh",
                    "--replay-rate", "--autoscale", "--scale-min", "--scale-max", "--ui", "--metrics-port",
                    "--metrics-bind"}) {
                if (spec.commandLine().getParseResult().hasMatchedOption(flinkOnly)) {
                    throw new UserError(flinkOnly + " is for --engine flink");
                }
            }
        }
        QueryConfig queries;
        try {
            queries = QueryConfig.DEFAULT.withEpoch(epoch).withForecaster(Forecaster.of(forecaster));
        } catch (IllegalArgumentException e) {
            throw new UserError("--forecaster: " + e.getMessage());
        }
        if (engine == Engine.core) {
            InputSource source = file != null ? InputSource.file(file, System.in) : InputSource.generated(config());
            return run(source, queries, stdout, stderr);
        }
        return new FlinkEngine(flinkSettings(queries)).run(file, file == null ? config() : null, stdout, stderr);
    }

    private FlinkEngine.Settings flinkSettings(QueryConfig queries) {
        int cores = Runtime.getRuntime().availableProcessors();
        int p = parallelism == null ? cores : parallelism;
        int max = scaleMax == null ? Math.max(p, cores) : scaleMax;
        if (!(checkpointSeconds >= 0.05)) throw new UserError("--checkpoint-interval must be >= 0.05 s");
        if (replayRate < 0) throw new UserError("--replay-rate must be >= 0");
        FlinkEngine.checkScaling(p, scaleMin, max);
        boolean scale = autoscale && (cluster == null
                || spec.commandLine().getParseResult().hasMatchedOption("--autoscale"));
        return new FlinkEngine.Settings(
                new FlinkEngine.Job(queries, maxLateness, Duration.ofMillis(Math.round(checkpointSeconds * 1000)),
                        replayRate),
                new FlinkEngine.Scaling(p, scale, scaleMin, max), cluster,
                new FlinkEngine.Output(out, fresh, quiet, metrics, ui),
                sealed ? new FlinkEngine.Sealing(keys, broker, trustedMemoryMib) : FlinkEngine.Sealing.NONE);
    }

    private GeneratorConfig config() {
        try {
            return generator.toConfig(spec.commandLine().getParseResult());
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
    }

    private int run(InputSource source, QueryConfig queries, PrintWriter stdout, PrintWriter stderr)
            throws IOException {
        stderr.println("gridlet run: " + source.description() + " -> " + out + "/");
        Replay replay = new Replay(queries, maxLateness);
        long started = System.nanoTime();
        Replay.Summary summary;
        Map<String, Long> written;
        try (ResultFiles files = openOutput(queries);
             ProgressDisplay progress = new ProgressDisplay(System.err, !quiet,
                     () -> status(replay.progress(), source, started))) {
            summary = replay.run(source.stream(), files);
            written = files.linesWritten();
        }
        RunReport.writeRejections(summary, out);
        RunReport.print(stdout, summary, written, out);
        RunReport.printAccuracy(stdout, "-".equals(file) ? null : file != null ? InputSource.file(file, System.in)
                : InputSource.generated(config()), out, queries, maxLateness);
        return 0;
    }

    private ResultFiles openOutput(QueryConfig queries) {
        try {
            return new ResultFiles(out, queries);
        } catch (IOException e) {
            throw new UserError("cannot write to " + out + ": " + e.getMessage());
        }
    }

    private static String status(Replay.Progress p, InputSource source, long started) {
        long elapsed = System.nanoTime() - started;
        StringBuilder sb = new StringBuilder("read ").append(Figures.count(p.lines())).append(" lines");
        double done = source.fractionDone(p.lines());
        if (done >= 0) sb.append(String.format(Locale.ROOT, " (%.0f%%)", done * 100));
        sb.append(", data time ").append(Figures.dataTime(p.dataTime()));
        sb.append(", ").append(Figures.rate(p.lines(), elapsed));
        if (done > 0.01 && done < 1) {
            sb.append(", ETA ").append(Figures.seconds((long) (elapsed * (1 - done) / done)));
        }
        return sb.toString();
    }

}
