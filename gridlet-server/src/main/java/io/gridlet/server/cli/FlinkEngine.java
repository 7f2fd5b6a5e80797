package io.gridlet.server.cli;

import io.gridlet.core.engine.QueryConfig;
import io.gridlet.core.engine.Replay;
import io.gridlet.core.generate.GeneratedInput;
import io.gridlet.core.generate.GeneratorConfig;
import io.gridlet.core.generate.MeasurementGenerator;
import io.gridlet.flink.FlinkRun;
import io.gridlet.flink.operators.GateCounts;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** {@code gridlet run --engine flink}: the Flink job, embedded or on a cluster, with progress and the summary. */
final class FlinkEngine {
    private final QueryConfig queries;
    private final long maxLateness;
    private final int parallelism;
    private final String cluster;
    private final Path out;
    private final boolean quiet;

    FlinkEngine(QueryConfig queries, long maxLateness, int parallelism, String cluster, Path out, boolean quiet) {
        this.queries = queries;
        this.maxLateness = maxLateness;
        this.parallelism = parallelism;
        this.cluster = cluster;
        this.out = out;
        this.quiet = quiet;
    }

    /** Runs over {@code file}, or over generated data (written to a file first: the job reads files). */
    int run(String file, GeneratorConfig generated, PrintWriter stdout, PrintWriter stderr) throws Exception {
        Path input;
        Path temporary = null;
        String description;
        if (file == null) {
            description = InputSource.describe(generated);
            temporary = out.resolve(".input").resolve("generated.csv");
            input = generate(generated, temporary);
        } else if (file.equals("-")) {
            throw new UserError("standard input needs --engine core (the Flink job reads files)");
        } else {
            input = InputSource.readableFile(file);
            description = file;
        }
        String where = cluster == null ? "embedded Flink" : "Flink cluster " + cluster;
        stderr.println("gridlet run: " + description + " -> " + out + "/ (" + where + ", parallelism "
                + parallelism + ")");
        StreamExecutionEnvironment env = cluster == null ? FlinkRun.embedded(parallelism)
                : FlinkRun.remote(cluster, parallelism, ownJar());
        FlinkRun run = new FlinkRun(queries, maxLateness);
        long started = System.nanoTime();
        FlinkRun.Outcome outcome;
        try (ProgressDisplay progress = new ProgressDisplay(System.err, !quiet, () -> status(run, started))) {
            outcome = run.run(env, input.toAbsolutePath(), out.toAbsolutePath());
        } finally {
            if (temporary != null) {
                Files.deleteIfExists(temporary);
                Files.deleteIfExists(temporary.getParent());
            }
        }
        GateCounts c = outcome.counts();
        Replay.Summary summary = new Replay.Summary(c.lines(), -1, c.loads(), c.works(), c.rounded(), c.firstTime(),
                c.dataTime(), c.rejections(), outcome.nanos());
        Summaries.writeRejections(summary, out);
        Summaries.print(stdout, summary, outcome.linesWritten(), out);
        return 0;
    }

    private static String status(FlinkRun run, long started) {
        GateCounts c = run.progress();
        if (c == null || c.lines() == 0) return "starting the Flink job ...";
        long elapsed = System.nanoTime() - started;
        // Flink refreshes accumulators with the task managers' heartbeats: this view lags by a few seconds
        return "read " + Numbers.count(c.lines()) + " lines, data time " + Numbers.dataTime(c.dataTime()) + ", "
                + Numbers.rate(c.lines(), elapsed) + " (including start-up; updated every few seconds)";
    }

    private Path generate(GeneratorConfig config, Path target) throws IOException {
        Files.createDirectories(target.getParent());
        MeasurementGenerator generator = new MeasurementGenerator(config);
        try (InputStream in = new GeneratedInput(generator);
             ProgressDisplay progress = new ProgressDisplay(System.err, !quiet, () -> String.format(
                     java.util.Locale.ROOT, "generating: %s lines (%.0f%%)", Numbers.count(generator.lines()),
                     100.0 * generator.lines() / config.maxLines()))) {
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
        return target;
    }

    /** The jar this command runs from, shipped to a remote cluster with the job. */
    private static String ownJar() {
        try {
            Path jar = Path.of(FlinkEngine.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (!jar.toString().endsWith(".jar")) {
                throw new UserError("--cluster needs the packaged gridlet.jar (run ./gridlet, not from classes)");
            }
            return jar.toString();
        } catch (java.net.URISyntaxException e) {
            throw new UserError("cannot locate gridlet.jar: " + e.getMessage());
        }
    }
}
