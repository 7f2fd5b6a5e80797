package io.gridlet.bench;

import io.gridlet.core.engine.QueryConfig;
import io.gridlet.core.generate.GeneratorConfig;
import io.gridlet.flink.FlinkRun;
import io.gridlet.flink.RunDirectory;
import io.gridlet.flink.elastic.JobRest;
import org.apache.flink.core.execution.JobClient;

import java.io.IOException;
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
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * What {@link ElasticBenchmark} measures embedded, on a Flink session cluster of separate processes started by the
 * deploy/ scripts on loopback (a JobManager, three TaskManagers of one slot each, deploy/conf/flink/config.yaml):
 * <ol>
 *   <li>the rescale pause: request (resource requirements over REST) to every task running at the new
 *       parallelism, 2 -> 3 and 3 -> 2, several times;</li>
 *   <li>recovery: a TaskManager running a task is killed with SIGKILL (no goodbye: the JobManager learns it
 *       from the tasks that lose their connections, and heartbeats); the time until every task runs again on
 *       the TaskManagers left; then the TaskManager is started again, the job rescaled back, and again.</li>
 * </ol>
 * Run: {@code ./bench cluster [--days 2] [--plugs 40] [--rescales 3] [--recoveries 3]}. Everything it starts is
 * stopped at the end (or when it fails); logs are kept in the printed directory on failure.
 */
public final class ProcessClusterBenchmark {
    private final Path deploy;
    private final Path run;

    private ProcessClusterBenchmark(Path deploy, Path run) {
        this.deploy = deploy;
        this.run = run;
    }

    public static void main(String[] args) throws Exception {
        double days = 2;
        int plugs = 40, rescales = 3, recoveries = 3;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--days" -> days = Double.parseDouble(args[++i]);
                case "--plugs" -> plugs = Integer.parseInt(args[++i]);
                case "--rescales" -> rescales = Integer.parseInt(args[++i]);
                case "--recoveries" -> recoveries = Integer.parseInt(args[++i]);
                default -> {
                    System.err.println("usage: ./bench cluster [--days D] [--plugs N (multiple of 40)] "
                            + "[--rescales N] [--recoveries N]");
                    System.exit(2);
                }
            }
        }
        String deployDir = System.getProperty("gridlet.deploy");
        if (deployDir == null) throw new IllegalStateException("-Dgridlet.deploy=DIR (the deploy/ directory) missing");
        Path dir = Files.createTempDirectory("gridlet-cluster-bench");
        ProcessClusterBenchmark bench = new ProcessClusterBenchmark(Path.of(deployDir), dir.resolve("run"));
        boolean ok = false;
        try {
            GeneratorConfig config = DebsShapedData.config(plugs, days);
            Path csv = dir.resolve("data.csv");
            long lines = DebsShapedData.writeCsv(config, csv);
            System.out.printf(Locale.ROOT, "machine: %d cores, Java %s; data: %d plugs, %.1f days, %,d lines; "
                            + "cluster: a JobManager and 3 TaskManagers of one slot, each its own JVM%n",
                    Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
                    config.plugCount(), days, lines);
            String rest = bench.startCluster();
            bench.measure(rest, csv, dir, rescales, recoveries);
            ok = true;
        } finally {
            bench.stopCluster();
            if (ok) {
                try (Stream<Path> paths = Files.walk(dir)) {
                    paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            } else {
                System.err.println("logs kept in " + dir.resolve("run"));
            }
        }
    }

    private String script(String name, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(deploy.resolve("bin").resolve(name).toString()));
        command.addAll(List.of(args));
        Files.createDirectories(run);
        Path out = Files.createTempFile(run, name, ".out");
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().put("GRIDLET_DEPLOY_RUN", run.toString());
        pb.environment().put("JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        Process p = pb.start();
        if (!p.waitFor(3, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException(name + " " + String.join(" ", args) + " did not finish");
        }
        String text = Files.readString(out);
        if (p.exitValue() != 0) throw new IllegalStateException(name + " " + String.join(" ", args) + ":\n" + text);
        return text;
    }

    private List<String> settings;

    private String startCluster() throws Exception {
        int rpc = FlinkRun.freeLoopbackPort(), restPort = FlinkRun.freeLoopbackPort(), blob = FlinkRun.freeLoopbackPort();
        settings = List.of("-D", "jobmanager.rpc.port=" + rpc, "-D", "rest.port=" + restPort,
                "-D", "blob.server.port=" + blob);
        List<String> jm = new ArrayList<>(List.of("start"));
        jm.addAll(settings);
        script("flink-jobmanager", jm.toArray(String[]::new));
        for (int tm = 1; tm <= 3; tm++) startTaskManager(tm);
        return "127.0.0.1:" + restPort;
    }

    private void startTaskManager(int id) throws Exception {
        List<String> args = new ArrayList<>(List.of("start", Integer.toString(id)));
        args.addAll(settings);
        script("flink-taskmanager", args.toArray(String[]::new));
    }

    private void stopCluster() {
        try {
            script("flink-taskmanager", "stop-all");
            script("flink-jobmanager", "stop");
        } catch (Exception e) {
            System.err.println("stopping the cluster: " + e.getMessage());
        }
    }

    private void measure(String rest, Path csv, Path dir, int rescales, int recoveries) throws Exception {
        String jar = Path.of(ProcessClusterBenchmark.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .toString();
        FlinkRun run = new FlinkRun(QueryConfig.DEFAULT, 0, Duration.ofSeconds(2)).replayRate(100_000).onCluster();
        Path out = dir.resolve("out");
        RunDirectory work = new RunDirectory(out);
        work.prepare(run.identity(csv), true);
        CompletableFuture<JobClient> submitted = new CompletableFuture<>();
        ExecutorService runner = Executors.newSingleThreadExecutor();
        Future<?> done = runner.submit(() -> run.run(FlinkRun.remote(rest, 2, jar), csv, out, work, Optional.empty(),
                submitted::complete));
        try {
            JobRest job = new JobRest(rest, submitted.get(3, TimeUnit.MINUTES).getJobID().toHexString());
            ElasticBenchmark.awaitRunningAt(job, 2);
            List<Double> up = new ArrayList<>(), down = new ArrayList<>();
            for (int i = 0; i < rescales; i++) {
                Thread.sleep(3000);
                up.add(ElasticBenchmark.timeRescale(job, 3));
                Thread.sleep(3000);
                down.add(ElasticBenchmark.timeRescale(job, 2));
            }
            if (rescales > 0) {
                System.out.printf(Locale.ROOT, "rescale pause (request -> every task running again), checkpoints "
                        + "every 2 s: 2 -> 3: %s s; 3 -> 2: %s s%n", ElasticBenchmark.format(up),
                        ElasticBenchmark.format(down));
            }
            List<Double> recovered = new ArrayList<>();
            for (int i = 0; i < recoveries; i++) {
                ElasticBenchmark.timeRescale(job, 3); // a task on every TaskManager: whichever is killed ran one
                Thread.sleep(3000);
                int victim = 1 + i % 3;
                long pid = Long.parseLong(Files.readString(run().resolve("taskmanager-" + victim + ".pid")).trim());
                long start = System.nanoTime();
                ProcessHandle.of(pid).orElseThrow().destroyForcibly(); // SIGKILL
                while (job.job().running()) Thread.sleep(5); // until the failure shows
                ElasticBenchmark.awaitRunningAt(job, 2);
                recovered.add((System.nanoTime() - start) / 1e9);
                startTaskManager(victim);
            }
            System.out.printf(Locale.ROOT, "recovery from a TaskManager killed with SIGKILL (killed -> every task "
                    + "running again on the 2 left, restart delay %d ms included): %s s%n",
                    FlinkRun.CLUSTER_RESTART_DELAY.toMillis(), ElasticBenchmark.format(recovered));
            if (done.isDone()) System.out.println("(the replay ended during the measurements: use more --days)");
        } finally {
            if (submitted.isDone() && !done.isDone()) submitted.get().cancel().get(1, TimeUnit.MINUTES);
            runner.shutdownNow();
        }
    }

    private Path run() {
        return run;
    }
}
