package io.gridlet.deploy;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Gridlet on a Flink session cluster and a Kafka broker that are their own processes, started by the deploy/
 * scripts on loopback: a JobManager and two TaskManagers (one slot each, little memory), a broker in KRaft mode.
 * The packaged gridlet.jar submits its job over REST; the job's classes reach the TaskManagers in the uploaded jar
 * (they are not on the cluster's classpath); records, checkpoints and the files cross processes.
 *
 * <ol>
 *   <li>{@code gridlet run FILE --cluster -p 2} writes the core engine's files.</li>
 *   <li>{@code gridlet serve --kafka --cluster -p 2} with meters streaming: a third TaskManager is started and the
 *   job rescaled to 3 by REST ({@code gridlet scale}), then a TaskManager is killed with SIGKILL mid-stream; at
 *   the end the files equal the core's on the same data, every reading is read once, and a subscriber (through
 *   the results topic) got every result line exactly once.</li>
 * </ol>
 * Everything is stopped in {@link #stopAll}, also when a test fails (and by a shutdown hook if the test's JVM is
 * stopped); after a failure the temporary directory stays, with every process's log in its {@code run/}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ProcessClusterIT {
    /** The longest any one step may take. */
    private static final long WAIT_MILLIS = TimeUnit.MINUTES.toMillis(3);
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    static Path dir;
    private static Path run;
    private static Map<String, String> env;
    private static String rest, kafka;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static Path deploy() {
        return Path.of(System.getProperty("gridlet.deploy")).toAbsolutePath().normalize();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private record Result(int code, String output) {
    }

    /** Runs a deploy/bin script to its end. */
    private static Result script(String name, String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(deploy().resolve("bin").resolve(name).toString());
        command.addAll(Arrays.asList(args));
        Path out = run.resolve("script-" + name + "-" + System.nanoTime() + ".out");
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(name + " " + String.join(" ", args) + " did not finish");
        }
        return new Result(p.exitValue(), Files.readString(out));
    }

    private static void started(String name, String... args) throws Exception {
        Result r = script(name, args);
        assertThat(r.code()).as(name + " " + String.join(" ", args) + ":\n" + r.output()).isZero();
    }

    /** A gridlet command as its own process (the packaged jar), its output into a file. */
    private static Process gridlet(Path output, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(Arrays.asList(System.getProperty("gridlet.jvm.opens", "").split(" ")));
        command.removeIf(String::isBlank);
        command.add("-Xmx1g");
        command.add("-jar");
        command.add(System.getProperty("gridlet.jar"));
        command.addAll(Arrays.asList(args));
        return new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(output.toFile()).start();
    }

    private static String gridletToEnd(String... args) throws Exception {
        Path out = dir.resolve("gridlet-" + System.nanoTime() + ".out");
        Process p = gridlet(out, args);
        if (!p.waitFor(WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("gridlet " + String.join(" ", args) + " did not finish:\n" + Files.readString(out));
        }
        String text = Files.readString(out);
        assertThat(p.exitValue()).as("gridlet " + String.join(" ", args) + ":\n" + text).isZero();
        return text;
    }

    private static String get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://" + rest + path)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    @BeforeAll
    static void startCluster() throws Exception {
        assertThat(new File(System.getProperty("gridlet.jar"))).as("the packaged gridlet.jar").exists();
        run = dir.resolve("run");
        Files.createDirectories(run);
        Files.createDirectories(dir.resolve("flink-tmp"));
        env = Map.of("GRIDLET_DEPLOY_RUN", run.toString(), "KAFKA_HEAP", "384m",
                "JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        Runtime.getRuntime().addShutdownHook(new Thread(ProcessClusterIT::killLeftovers));
        int broker = freePort(), controller = freePort(), rpc = freePort(), restPort = freePort(), blob = freePort();
        kafka = "127.0.0.1:" + broker;
        rest = "127.0.0.1:" + restPort;
        started("kafka", "start", "listeners=PLAINTEXT://" + kafka + ",CONTROLLER://127.0.0.1:" + controller,
                "advertised.listeners=PLAINTEXT://" + kafka, "controller.quorum.voters=1@127.0.0.1:" + controller);
        started("flink-jobmanager", flinkSettings(rpc, restPort, blob).toArray(String[]::new));
        for (String tm : new String[] {"1", "2"}) {
            List<String> args = new ArrayList<>(List.of("start", tm));
            args.addAll(flinkSettings(rpc, restPort, blob).subList(1, 9));
            started("flink-taskmanager", args.toArray(String[]::new));
        }
        assertThat(get("/overview")).contains("\"taskmanagers\":2", "\"slots-total\":2");
        tmArgs = new ArrayList<>(flinkSettings(rpc, restPort, blob).subList(1, 9));
    }

    private static List<String> tmArgs;

    private static List<String> flinkSettings(int rpc, int restPort, int blob) {
        // the processes' working files (a TaskManager's blobs are the job's jar, 220 MB) in the test's directory:
        // in /tmp they outlived every run (TaskManagers killed with SIGKILL do not clean up)
        return List.of("start", "-D", "jobmanager.rpc.port=" + rpc, "-D", "rest.port=" + restPort,
                "-D", "blob.server.port=" + blob, "-D", "io.tmp.dirs=" + dir.resolve("flink-tmp"),
                "-D", "jobmanager.memory.process.size=640m");
    }

    @AfterAll
    static void stopAll() throws Exception {
        if (run == null) return;
        try {
            script("flink-taskmanager", "stop-all");
            script("flink-jobmanager", "stop");
            script("kafka", "stop");
        } finally {
            killLeftovers();
        }
        try (Stream<Path> pids = Files.list(run)) {
            assertThat(pids.filter(p -> p.toString().endsWith(".pid")).toList()).as("processes left").isEmpty();
        }
    }

    /** Whatever a script could not stop does not outlive the test. */
    private static void killLeftovers() {
        try (Stream<Path> pids = Files.list(run)) {
            for (Path pid : pids.filter(p -> p.toString().endsWith(".pid")).toList()) {
                ProcessHandle.of(Long.parseLong(Files.readString(pid).trim()))
                        .filter(h -> h.info().commandLine().orElse("").contains(run.toString()))
                        .ifPresent(ProcessHandle::destroyForcibly);
            }
        } catch (IOException | RuntimeException e) {
            // nothing left to find
        }
    }

    @Test
    @Order(1)
    void runOnTheClusterWritesTheCoreFiles() throws Exception {
        Path csv = dir.resolve("in.csv");
        gridletToEnd("generate", "-q", "--days", "0.5", "--houses", "2", "--interval", "60", "--malformed-rate",
                "0.01", "-o", csv.toString());
        gridletToEnd("run", "-q", "--engine", "core", csv.toString(), "-o", dir.resolve("core").toString());
        String out = gridletToEnd("run", csv.toString(), "--cluster", rest, "-p", "2", "-o",
                dir.resolve("cluster").toString());
        assertThat(out).contains("Flink cluster " + rest + ", parallelism 2");
        assertSameFiles(dir.resolve("core"), dir.resolve("cluster"));
    }

    @Test
    @Order(2)
    void serveOnTheClusterSurvivesARescaleAndALostTaskManager() throws Exception {
        String[] data = {"--houses", "2", "--days", "0.45", "--interval", "1", "--seed", "11"};
        int port = freePort(), metricsPort = freePort();
        Path live = dir.resolve("live");
        Path serveOut = dir.resolve("serve.out"), subscribed = dir.resolve("subscribed.out");
        Process serve = gridlet(serveOut, "serve", "-q", "--dir", live.toString(), "--port", Integer.toString(port),
                "--meters", "4", "--kafka", kafka, "--topic", "readings", "--cluster", rest, "-p", "2",
                "--checkpoint-interval", "1", "--max-lateness", "900", "--no-dashboard",
                "--metrics-port", Integer.toString(metricsPort));
        Process subscriber = null, meter = null;
        try {
            awaitText(serveOut, "listening on 127.0.0.1:" + port, serve);
            String job = awaitJobRunning();
            subscriber = gridlet(subscribed, "results", "--target", "127.0.0.1:" + port, "--identities",
                    live.resolve("identities").toString());
            awaitSessionOpened(metricsPort, serve);
            Path meterOut = dir.resolve("meter.out");
            List<String> meterArgs = new ArrayList<>(List.of("meter", "-q", "--target", "127.0.0.1:" + port,
                    "--meters", "4", "--identities", live.resolve("identities").toString(), "--speedup", "250",
                    "--end-of-data"));
            meterArgs.addAll(Arrays.asList(data));
            meter = gridlet(meterOut, meterArgs.toArray(String[]::new));

            // results flow: add a TaskManager and rescale 2 -> 3 by REST
            awaitLines(subscribed, 20);
            List<String> third = new ArrayList<>(List.of("start", "3"));
            third.addAll(tmArgs);
            started("flink-taskmanager", third.toArray(String[]::new));
            String scaled = gridletToEnd("scale", "--rest", rest, "--job", job, "-p", "3", "--wait", "120");
            System.out.println("[process cluster] rescale 2 -> 3: " + scaled.strip());
            assertThat(scaled).contains("running at 3 after");
            assertThat(meter.isAlive()).as("the meters still stream when the job is rescaled").isTrue();

            // a TaskManager dies mid-stream
            long pid = Long.parseLong(Files.readString(run.resolve("taskmanager-1.pid")).trim());
            long killed = System.nanoTime();
            Runtime.getRuntime().exec(new String[] {"kill", "-9", Long.toString(pid)}).waitFor();
            double recovered = awaitRecovered(job, killed);
            System.out.printf("[process cluster] a TaskManager killed (SIGKILL): the job ran again on the "
                    + "TaskManagers left after %.1f s%n", recovered);
            assertThat(meter.isAlive()).as("the meters still stream when a TaskManager is lost").isTrue();

            assertThat(meter.waitFor(WAIT_MILLIS, TimeUnit.MILLISECONDS)).as("the meters finished").isTrue();
            String metered = Files.readString(meterOut);
            assertThat(meter.exitValue()).as(metered).isZero();
            assertThat(metered).contains("refused by the gateway 0", "ended     the data");
            assertThat(serve.waitFor(WAIT_MILLIS, TimeUnit.MILLISECONDS)).as("serve finished at the end of data")
                    .isTrue();
            String served = Files.readString(serveOut);
            assertThat(serve.exitValue()).as(served).isZero();
            assertThat(served).contains("rejected  0", "wrote");
            long sent = number(metered, "sent\\s+([\\d,]+) readings");
            assertThat(number(metered, "acked\\s+([\\d,]+)")).isEqualTo(sent);
            assertThat(number(served, "read\\s+([\\d,]+) lines")).as("every reading read once").isEqualTo(sent);
        } finally {
            for (Process p : new Process[] {meter, subscriber, serve}) {
                if (p != null && p.isAlive()) p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        List<String> args = new ArrayList<>(List.of("run", "-q", "--engine", "core", "--out",
                dir.resolve("offline").toString()));
        args.addAll(Arrays.asList(data));
        gridletToEnd(args.toArray(String[]::new));
        assertSameFiles(dir.resolve("offline"), live.resolve("out"));

        // the subscriber: every line of every file, each once (no more, no fewer)
        List<String> fromFiles = new ArrayList<>();
        try (Stream<Path> files = Files.list(live.resolve("out"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".csv")).toList()) {
                Files.readAllLines(f).stream().skip(1).forEach(l -> fromFiles.add(f.getFileName() + " " + l));
            }
        }
        List<String> got = Files.readAllLines(subscribed).stream().filter(l -> l.startsWith("q")).sorted().toList();
        assertThat(got).as("results seen by the subscriber").isEqualTo(fromFiles.stream().sorted().toList());
    }

    private static void assertSameFiles(Path expected, Path actual) throws IOException {
        try (Stream<Path> files = Files.list(expected)) {
            List<Path> all = files.filter(p -> p.toString().endsWith(".csv")).toList();
            assertThat(all).hasSize(12);
            for (Path f : all) {
                assertThat(Files.readAllLines(actual.resolve(f.getFileName()))).as(f.getFileName().toString())
                        .isEqualTo(Files.readAllLines(f));
            }
        }
    }

    private static long number(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertThat(m.find()).as(regex + " in:\n" + text).isTrue();
        return Long.parseLong(m.group(1).replace(",", ""));
    }

    private static void awaitText(Path file, String text, Process process) throws Exception {
        long deadline = System.currentTimeMillis() + WAIT_MILLIS;
        while (System.currentTimeMillis() < deadline) {
            if (Files.exists(file) && Files.readString(file).contains(text)) return;
            if (!process.isAlive()) break;
            Thread.sleep(200);
        }
        throw new AssertionError("no '" + text + "' in:\n" + (Files.exists(file) ? Files.readString(file) : ""));
    }

    private static void awaitLines(Path file, int n) throws Exception {
        long deadline = System.currentTimeMillis() + WAIT_MILLIS;
        while (System.currentTimeMillis() < deadline) {
            if (Files.exists(file) && Files.readAllLines(file).size() >= n) return;
            Thread.sleep(200);
        }
        throw new AssertionError("fewer than " + n + " lines in " + file);
    }

    /** The id of the one running job. */
    private static String awaitJobRunning() throws Exception {
        long deadline = System.currentTimeMillis() + WAIT_MILLIS;
        Pattern running = Pattern.compile("\"jid\":\"([0-9a-f]{32})\"[^}]*\"state\":\"RUNNING\"");
        while (System.currentTimeMillis() < deadline) {
            Matcher m = running.matcher(get("/jobs/overview"));
            if (m.find()) return m.group(1);
            Thread.sleep(200);
        }
        throw new AssertionError("no job running: " + get("/jobs/overview"));
    }

    private static void awaitSessionOpened(int metricsPort, Process serve) throws Exception {
        long deadline = System.currentTimeMillis() + WAIT_MILLIS;
        Pattern opened = Pattern.compile("gridlet_adaptlet_calls_total\\{[^}]*adaptlet=\"session\"[^}]*"
                + "outcome=\"opened\"[^}]*} ([0-9.eE+]+)");
        while (System.currentTimeMillis() < deadline && serve.isAlive()) {
            try {
                String body = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort
                        + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
                Matcher m = opened.matcher(body);
                double sum = 0;
                while (m.find()) sum += Double.parseDouble(m.group(1));
                if (sum >= 1) {
                    Thread.sleep(500); // its Subscribe call follows the session
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the subscriber opened no session");
    }

    /**
     * Seconds from the kill until the job ran again with all its tasks: it must first leave RUNNING (its tasks
     * on the lost TaskManager failed), then be RUNNING with every vertex running.
     */
    private static double awaitRecovered(String job, long killed) throws Exception {
        long deadline = System.currentTimeMillis() + WAIT_MILLIS;
        boolean left = false;
        while (System.currentTimeMillis() < deadline) {
            String body = get("/jobs/" + job);
            boolean jobRunning = body.contains("\"state\":\"RUNNING\"");
            int vertices = count(body, "\"status\":\"");
            int runningVertices = count(body, "\"status\":\"RUNNING\"");
            if (!jobRunning || runningVertices < vertices) left = true;
            else if (left) return (System.nanoTime() - killed) / 1e9;
            Thread.sleep(100);
        }
        throw new AssertionError("the job did not run again after the TaskManager was lost: " + get("/jobs/" + job));
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) n++;
        return n;
    }
}
