package io.gridlet.bench;

import io.gridlet.core.engine.QueryConfig;
import io.gridlet.core.generate.GeneratorConfig;
import io.gridlet.flink.FlinkRun;
import io.gridlet.flink.RunDirectory;
import io.gridlet.flink.elastic.JobRest;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.HeartbeatManagerOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.configuration.WebOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * The costs of exactly-once and elasticity, on the embedded Flink job:
 * <ol>
 *   <li>checkpointing: throughput with checkpoints every 10 s and every 1 s against only the final one, and
 *       the checkpoints' duration and size;</li>
 *   <li>the rescale pause: from the request (resource requirements over REST) until every task runs again at
 *       the new parallelism, for 2 -> 1 and 1 -> 2, several times;</li>
 *   <li>recovery: a MiniCluster of two TaskManagers loses one mid-run; the time until every task runs again.</li>
 * </ol>
 * Run: {@code ./bench elastic [--days 3] [--plugs 40] [--rescales 3] [--only checkpoints|rescale|recovery]}
 * (DEBS-shaped: a reading a second per plug,
 * so 3 days of 40 plugs are 20.7 M lines, long enough for several 10 s checkpoints).
 */
public final class ElasticBenchmark {
    public static void main(String[] args) throws Exception {
        double days = 3;
        int plugs = 40, rescales = 3;
        String only = "all";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--days" -> days = Double.parseDouble(args[++i]);
                case "--plugs" -> plugs = Integer.parseInt(args[++i]);
                case "--rescales" -> rescales = Integer.parseInt(args[++i]);
                case "--only" -> only = args[++i];
                default -> {
                    System.err.println("usage: ElasticBenchmark [--days D] [--plugs N (multiple of 40)] [--rescales N] "
                            + "[--only checkpoints|rescale|recovery]");
                    System.exit(2);
                }
            }
        }
        Path dir = Files.createTempDirectory("gridlet-elastic");
        try {
            GeneratorConfig config = DebsShapedData.config(plugs, days);
            Path csv = dir.resolve("data.csv");
            long lines = DebsShapedData.writeCsv(config, csv);
            System.out.printf(Locale.ROOT, "machine: %d cores, Java %s; data: %d plugs, %.1f days, %,d lines%n",
                    Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
                    config.plugCount(), days, lines);
            if (only.equals("all") || only.equals("checkpoints")) checkpointCost(csv, dir, lines);
            if (only.equals("all") || only.equals("rescale")) rescalePause(csv, dir, rescales);
            if (only.equals("all") || only.equals("recovery")) recovery(csv, dir);
        } finally {
            try (Stream<Path> paths = Files.walk(dir)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void checkpointCost(Path csv, Path dir, long lines) throws Exception {
        timedRun(csv, dir.resolve("warm-up"), Duration.ofHours(1)); // JIT and class loading, not measured
        double none = 0;
        for (Duration interval : new Duration[] {Duration.ofHours(1), Duration.ofSeconds(10), Duration.ofSeconds(1)}) {
            Timed t = timedRun(csv, dir.resolve("cp-" + interval.toSeconds()), interval);
            double rate = lines * 1e9 / t.nanos;
            if (none == 0) none = rate;
            String label = interval.toHours() >= 1 ? "only the final checkpoint"
                    : "every " + interval.toSeconds() + " s";
            System.out.printf(Locale.ROOT, "checkpoints %-26s: %.2f M lines/s (%.1f s), %.0f %% of none; %d completed,"
                            + " avg %.0f ms, %.1f MB%n", label, rate / 1e6, t.nanos / 1e9, 100 * rate / none,
                    t.checkpoints.completed(), t.checkpoints.averageMillis(), t.checkpoints.averageBytes() / 1e6);
        }
    }

    private record Timed(long nanos, JobRest.Checkpoints checkpoints) {
    }

    private static Timed timedRun(Path csv, Path out, Duration interval) throws Exception {
        int port = FlinkRun.freeLoopbackPort();
        FlinkRun run = new FlinkRun(QueryConfig.DEFAULT, 0, interval);
        RunDirectory work = new RunDirectory(out);
        work.prepare(run.identity(csv), true);
        CompletableFuture<JobClient> job = new CompletableFuture<>();
        List<JobRest.Checkpoints> last = new ArrayList<>();
        ExecutorService poller = Executors.newSingleThreadExecutor();
        long start = System.nanoTime();
        Future<?> polling = poller.submit(() -> {
            try {
                JobRest rest = new JobRest("127.0.0.1:" + port, job.get().getJobID().toHexString());
                while (!Thread.currentThread().isInterrupted()) {
                    try {
                        JobRest.Checkpoints c = rest.checkpoints();
                        synchronized (last) {
                            last.clear();
                            last.add(c);
                        }
                    } catch (Exception ignored) {
                        // the job is finishing
                    }
                    Thread.sleep(250);
                }
            } catch (Exception ignored) {
                // interrupted
            }
        });
        run.run(FlinkRun.embedded(2, 2, port), csv, out, work, Optional.empty(), job::complete);
        long nanos = System.nanoTime() - start;
        polling.cancel(true);
        poller.shutdownNow();
        synchronized (last) {
            return new Timed(nanos, last.isEmpty() ? new JobRest.Checkpoints(0, 0, 0) : last.get(0));
        }
    }

    private static void rescalePause(Path csv, Path dir, int rescales) throws Exception {
        int port = FlinkRun.freeLoopbackPort();
        FlinkRun run = new FlinkRun(QueryConfig.DEFAULT, 0, Duration.ofSeconds(2)).replayRate(200_000);
        Path out = dir.resolve("rescaled");
        RunDirectory work = new RunDirectory(out);
        work.prepare(run.identity(csv), true);
        CompletableFuture<JobClient> submitted = new CompletableFuture<>();
        ExecutorService runner = Executors.newSingleThreadExecutor();
        Future<?> done = runner.submit(() -> run.run(FlinkRun.embedded(2, 2, port), csv, out, work, Optional.empty(),
                submitted::complete));
        JobRest rest = new JobRest("127.0.0.1:" + port, submitted.get().getJobID().toHexString());
        awaitRunningAt(rest, 2);
        List<Double> down = new ArrayList<>(), up = new ArrayList<>();
        for (int i = 0; i < rescales && !done.isDone(); i++) {
            Thread.sleep(3000);
            down.add(timeRescale(rest, 1));
            Thread.sleep(3000);
            up.add(timeRescale(rest, 2));
        }
        System.out.printf(Locale.ROOT, "rescale pause (request -> every task running again), checkpoints every 2 s:"
                + " 2 -> 1: %s s; 1 -> 2: %s s%n", format(down), format(up));
        submitted.get().cancel().get(); // measured: the rest of the replay is not needed
        runner.shutdownNow();
    }

    static double timeRescale(JobRest rest, int parallelism) throws Exception {
        long start = System.nanoTime();
        rest.rescale(parallelism);
        awaitRunningAt(rest, parallelism);
        return (System.nanoTime() - start) / 1e9;
    }

    static void awaitRunningAt(JobRest rest, int parallelism) throws Exception {
        while (true) {
            JobRest.Job job = rest.job();
            if (job.terminal()) throw new IllegalStateException("job ended: " + job.state());
            if (job.runningAt(parallelism)) {
                return;
            }
            Thread.sleep(10);
        }
    }

    private static void recovery(Path csv, Path dir) throws Exception {
        Configuration conf = new Configuration();
        conf.set(HeartbeatManagerOptions.HEARTBEAT_INTERVAL, Duration.ofSeconds(1));
        conf.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
        conf.set(RestOptions.ADDRESS, "127.0.0.1");
        conf.set(RestOptions.BIND_PORT, "0");
        conf.set(WebOptions.REFRESH_INTERVAL, Duration.ofMillis(100)); // as the embedded cluster: a fresh REST view
        // one slot on each TaskManager: losing either one fails the job (else both instances might share one)
        conf.set(TaskManagerOptions.TASK_MANAGER_LOAD_BALANCE_MODE,
                TaskManagerOptions.TaskManagerLoadBalanceMode.SLOTS);
        try (MiniCluster cluster = new MiniCluster(new MiniClusterConfiguration.Builder().setConfiguration(conf)
                .setNumTaskManagers(2).setNumSlotsPerTaskManager(2).build())) {
            cluster.start();
            String address = cluster.getRestAddress().get().getHost() + ":" + cluster.getRestAddress().get().getPort();
            FlinkRun run = new FlinkRun(QueryConfig.DEFAULT, 0, Duration.ofSeconds(2)).replayRate(200_000);
            Path out = dir.resolve("recovered");
            RunDirectory work = new RunDirectory(out);
            work.prepare(run.identity(csv), true);
            CompletableFuture<JobClient> submitted = new CompletableFuture<>();
            ExecutorService runner = Executors.newSingleThreadExecutor();
            StreamExecutionEnvironment env = FlinkRun.remote(address, 2);
            Future<?> done = runner.submit(() -> run.run(env, csv, out, work, Optional.empty(), submitted::complete));
            JobRest rest = new JobRest(address, submitted.get().getJobID().toHexString());
            awaitRunningAt(rest, 2);
            Thread.sleep(5000);
            long start = System.nanoTime();
            cluster.terminateTaskManager(0).get();
            while (rest.job().running()) Thread.sleep(5); // until the failure shows
            awaitRunningAt(rest, 2);
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf(Locale.ROOT, "recovery from a lost TaskManager (stopped -> every task running again, "
                    + "restart delay %d ms included): %.2f s%n", 500, seconds);
            submitted.get().cancel().get();
            runner.shutdownNow();
        }
    }

    static String format(List<Double> seconds) {
        List<Double> sorted = seconds.stream().sorted().toList();
        StringBuilder sb = new StringBuilder();
        for (double s : seconds) sb.append(sb.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "%.2f", s));
        if (!sorted.isEmpty()) {
            sb.append(String.format(Locale.ROOT, " (median %.2f)", sorted.get(sorted.size() / 2)));
        }
        return sb.toString();
    }
}
