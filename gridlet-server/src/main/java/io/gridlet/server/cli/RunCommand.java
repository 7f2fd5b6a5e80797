package io.gridlet.server.cli;

import io.gridlet.core.engine.QueryConfig;
import io.gridlet.core.engine.Replay;
import io.gridlet.core.output.ResultFiles;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
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

    @Option(names = {"-q", "--quiet"}, description = "No progress display.")
    boolean quiet;

    enum Engine { flink, core }

    @ArgGroup(validate = false, heading = "%nGenerated data (when no FILE is given):%n")
    GeneratorOptions generator = new GeneratorOptions();

    @Override
    public Integer call() throws Exception {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter stderr = spec.commandLine().getErr();
        try {
            if (file != null && generate) throw new UserError("give a FILE or --generate, not both");
            if (maxLateness < 0) throw new UserError("--max-lateness must be >= 0, got " + maxLateness);
            if (parallelism != null && parallelism < 1) throw new UserError("--parallelism must be >= 1");
            if (engine == Engine.core && (parallelism != null || cluster != null)) {
                throw new UserError("--parallelism and --cluster are for --engine flink");
            }
            QueryConfig queries = QueryConfig.DEFAULT.withEpoch(epoch);
            if (engine == Engine.core) {
                InputSource source = file != null ? InputSource.file(file, System.in) : InputSource.generated(config());
                return run(source, queries, stdout, stderr);
            }
            return new FlinkEngine(queries, maxLateness, parallelism == null
                    ? Runtime.getRuntime().availableProcessors() : parallelism, cluster, out, quiet)
                    .run(file, file == null ? config() : null, stdout, stderr);
        } catch (UserError e) {
            stderr.println("gridlet run: " + e.getMessage());
            return 2;
        }
    }

    private io.gridlet.core.generate.GeneratorConfig config() {
        try {
            return generator.toConfig();
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
        Summaries.writeRejections(summary, out);
        Summaries.print(stdout, summary, written, out);
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
        StringBuilder sb = new StringBuilder("read ").append(Numbers.count(p.lines())).append(" lines");
        double done = source.fractionDone(p.lines());
        if (done >= 0) sb.append(String.format(java.util.Locale.ROOT, " (%.0f%%)", done * 100));
        sb.append(", data time ").append(Numbers.dataTime(p.dataTime()));
        sb.append(", ").append(Numbers.rate(p.lines(), elapsed));
        if (done > 0.01 && done < 1) {
            sb.append(", ETA ").append(Numbers.seconds((long) (elapsed * (1 - done) / done)));
        }
        return sb.toString();
    }

}
