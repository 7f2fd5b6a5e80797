package io.gridlet.flink;

import io.gridlet.core.engine.QueryConfig;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * The job's entry point for a Flink cluster: {@code flink run -c io.gridlet.flink.GridletJobMain gridlet.jar
 * --input FILE --out DIR [--epoch S] [--max-lateness S] [--checkpoint-interval S] [--replay-rate LINES_PER_S]
 * [--fresh]}. The environment (and the parallelism) are the ones the cluster gives; FILE and DIR must be visible
 * to every TaskManager and to this client (a shared file system). An unfinished run in DIR of the same input is resumed from its last
 * checkpoint unless {@code --fresh}.
 */
public final class GridletJobMain {
    private GridletJobMain() {
    }

    public static void main(String[] args) throws Exception {
        String input = null, out = null;
        long epoch = QueryConfig.DEFAULT_EPOCH, lateness = 0;
        double checkpointSeconds = FlinkRun.DEFAULT_CHECKPOINT_INTERVAL.toMillis() / 1000.0;
        boolean fresh = false;
        long replayRate = 0;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--input" -> input = value;
                case "--out" -> out = value;
                case "--epoch" -> epoch = Long.parseLong(value);
                case "--max-lateness" -> lateness = Long.parseLong(value);
                case "--checkpoint-interval" -> checkpointSeconds = Double.parseDouble(value);
                case "--replay-rate" -> replayRate = Long.parseLong(value);
                case "--fresh" -> {
                    fresh = true;
                    i--;
                }
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + "; usage: --input FILE "
                        + "--out DIR [--epoch S] [--max-lateness S] [--checkpoint-interval S] "
                        + "[--replay-rate LINES_PER_S] [--fresh]");
            }
            i++;
        }
        if (input == null || out == null) throw new IllegalArgumentException("--input FILE and --out DIR are required");
        FlinkRun run = new FlinkRun(QueryConfig.DEFAULT.withEpoch(epoch), lateness,
                Duration.ofMillis(Math.round(checkpointSeconds * 1000))).replayRate(replayRate);
        RunDirectory dir = new RunDirectory(Path.of(out));
        Optional<Path> resume = dir.prepare(run.identity(Path.of(input)), fresh);
        resume.ifPresent(c -> System.out.println("gridlet: resuming from " + c));
        FlinkRun.Outcome outcome = run.run(StreamExecutionEnvironment.getExecutionEnvironment(), Path.of(input),
                Path.of(out), dir, resume, job -> { });
        System.out.printf(Locale.ROOT, "gridlet: %d lines (%d load, %d work, %d rejected) in %.1f s -> %s%n",
                outcome.counts().lines(), outcome.counts().loads(), outcome.counts().works(),
                outcome.counts().rejections().total(), outcome.nanos() / 1e9, out);
    }
}
