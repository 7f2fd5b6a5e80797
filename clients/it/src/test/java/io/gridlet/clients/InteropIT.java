package io.gridlet.clients;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Node.js meter (clients/node, its own process: node and the repository's .proto files, nothing of the Java
 * code) against gridlet serve (the packaged gridlet.jar, its own process) on loopback:
 * <ul>
 *   <li>it streams a generated DEBS'14 file and ends the data as the operator; the service's result files equal
 *       gridlet run's on the same file, and every reading was acknowledged, none refused;</li>
 *   <li>with a server policy that turns the puzzle and compression on, it solves the puzzles (the server counts
 *       challenges and accepted solutions) and sends gzip (the server counts the calls whose requests came compressed), and
 *       refuses the malformed lines of a file exactly as gridlet run's reader does.</li>
 * </ul>
 * The temporary directory, with every process's output, is kept when a test fails.
 */
class InteropIT {
    private static final long WAIT_MILLIS = 180_000;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static Path dir;
    private static Path identities;
    private static final List<Process> started = new ArrayList<>();
    private static int passed;

    @BeforeAll
    static void setUp() throws Exception {
        assertThat(new File(System.getProperty("gridlet.jar"))).as("the packaged gridlet.jar").exists();
        assertThat(nodeMeter()).as("the Node meter").exists();
        dir = Files.createTempDirectory("gridlet-interop-");
        identities = dir.resolve("identities");
        Files.writeString(identities, "node-1 meter 3 " + secret() + "\nops operator 3 " + secret() + "\n");
    }

    @AfterAll
    static void tearDown() throws IOException {
        for (Process p : started) p.destroyForcibly();
        if (passed < 2) {
            System.err.println("InteropIT: kept " + dir);
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void theNodeMetersFilesEqualGridletRuns() throws Exception {
        Path csv = dir.resolve("clean.csv");
        gridletToEnd("generate", "-q", "--days", "0.3", "--houses", "3", "--interval", "10", "--seed", "7",
                "-o", csv.toString());
        gridletToEnd("run", "-q", "--engine", "core", csv.toString(), "-o", dir.resolve("core").toString());
        Process serve = serve(dir.resolve("serve-1.out"), "--dir", dir.resolve("live").toString(), "--no-metrics");
        int port = port(dir.resolve("serve-1.out"), "listening on 127.0.0.1:(\\d+)");

        String meter = nodeToEnd(dir.resolve("node-1.out"), "--target", "127.0.0.1:" + port, "--id", "node-1",
                "--identities", identities.toString(), "--file", csv.toString(), "--end-of-data", "--operator",
                "ops");
        long lines = Files.lines(csv).count();
        assertThat(meter).contains("meter node-1: acked " + lines + " readings (rejected by the gateway 0;"
                + " refused lines 0;", "told the service the data has ended (as ops)");

        assertThat(serve.waitFor(WAIT_MILLIS, TimeUnit.MILLISECONDS)).as("serve ends after the end of data").isTrue();
        assertThat(serve.exitValue()).as(Files.readString(dir.resolve("serve-1.out"))).isZero();
        assertSameFiles(dir.resolve("core"), dir.resolve("live").resolve("out"));
        passed++;
    }

    @Test
    void theNodeMeterSolvesPuzzlesWhenThePolicySaysSo() throws Exception {
        Path csv = dir.resolve("malformed.csv");
        gridletToEnd("generate", "-q", "--days", "0.1", "--houses", "2", "--interval", "10", "--seed", "3",
                "--malformed-rate", "0.02", "-o", csv.toString());
        gridletToEnd("run", "-q", "--engine", "core", csv.toString(), "-o", dir.resolve("core-2").toString());
        Path policy = dir.resolve("puzzle-gateway.policy");
        Files.writeString(policy, """
                policy puzzle-gateway {
                  feature puzzle(difficulty: 0..24);
                  feature auth.hmac;
                  feature authz;
                  feature priority(level: 0..3);
                  feature compress(level: 1..9);
                  auth.hmac;
                  authz;
                  compress;
                  puzzle and puzzle.difficulty >= 12;
                  priority requires priority.level <= 2;
                }
                """);
        serve(dir.resolve("serve-2.out"), "--dir", dir.resolve("live-2").toString(), "--no-dashboard", "--policy",
                policy.toString());
        int port = port(dir.resolve("serve-2.out"), "listening on 127.0.0.1:(\\d+)");
        int metrics = port(dir.resolve("serve-2.out"), "metrics on http://127.0.0.1:(\\d+)/");

        String meter = nodeToEnd(dir.resolve("node-2.out"), "--target", "127.0.0.1:" + port, "--id", "node-1",
                "--identities", identities.toString(), "--file", csv.toString(), "--batch", "200");
        assertThat(meter).contains("session opened: auth.hmac, authz, compress(level=6), priority(level=2), "
                + "puzzle(difficulty=12)");

        // the malformed lines are refused by the Node meter as gridlet run's reader refuses them (late lines are
        // the service's matter: it puts them in order within its lateness)
        long lines = Files.lines(csv).count();
        long malformed = Files.readAllLines(dir.resolve("core-2").resolve("rejections.txt")).stream()
                .filter(l -> !l.isBlank() && !l.startsWith("late ")).mapToLong(l -> Long.parseLong(l.split(" ")[1]))
                .sum();
        assertThat(malformed).as("the file has malformed lines").isPositive();
        Matcher m = Pattern.compile("acked (\\d+) readings .*refused lines (\\d+);").matcher(meter);
        assertThat(m.find()).as(meter).isTrue();
        assertThat(Long.parseLong(m.group(2))).as("lines the Node meter refused").isEqualTo(malformed);
        assertThat(Long.parseLong(m.group(1))).as("readings acknowledged").isEqualTo(lines - malformed);

        String text = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metrics + "/metrics"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(counter(text, "puzzle", "challenged")).as("puzzles the server challenged with").isPositive();
        assertThat(counter(text, "puzzle", "accepted")).as("solutions the server accepted").isPositive();
        assertThat(counter(text, "compress", "compressed")).as("calls whose requests came gzip-compressed")
                .isPositive();
        assertThat(counter(text, "compress", "uncompressed")).as("calls of the session not compressed").isZero();
        passed++;
    }

    private static double counter(String metrics, String adaptlet, String outcome) {
        Matcher m = Pattern.compile("(?m)^gridlet_adaptlet_calls_total\\{adaptlet=\"" + Pattern.quote(adaptlet)
                + "\",outcome=\"" + outcome + "\",?} (\\S+)$").matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    // ---- processes ----

    private static Path nodeMeter() {
        return Path.of(System.getProperty("gridlet.node")).resolve("bin").resolve("gridlet-meter.js");
    }

    private static String secret() {
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        return Base64.getEncoder().encodeToString(b);
    }

    /** A port serve printed (it listens on port 0: any free one, no race with another process for it). */
    private static int port(Path output, String pattern) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            Matcher m = Pattern.compile(pattern).matcher(Files.readString(output));
            if (m.find()) return Integer.parseInt(m.group(1));
            assertThat(System.nanoTime()).as(pattern + " in\n" + Files.readString(output)).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    private static Process start(Path output, List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(output.toFile()).start();
        started.add(p);
        return p;
    }

    private static List<String> gridlet(String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(Arrays.asList(System.getProperty("gridlet.jvm.opens", "").split(" ")));
        command.removeIf(String::isBlank);
        command.add("-Xmx1g");
        command.add("-jar");
        command.add(System.getProperty("gridlet.jar"));
        command.addAll(Arrays.asList(args));
        return command;
    }

    private static String toEnd(Path output, List<String> command) throws Exception {
        Process p = start(output, command);
        if (!p.waitFor(WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish:\n" + Files.readString(output));
        }
        String text = Files.readString(output);
        assertThat(p.exitValue()).as(String.join(" ", command) + ":\n" + text).isZero();
        return text;
    }

    private static String gridletToEnd(String... args) throws Exception {
        return toEnd(dir.resolve("gridlet-" + System.nanoTime() + ".out"), gridlet(args));
    }

    private static String nodeToEnd(Path output, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("node", nodeMeter().toString()));
        command.addAll(Arrays.asList(args));
        return toEnd(output, command);
    }

    /** gridlet serve with the test's identities, once it listens. */
    private static Process serve(Path output, String... args) throws Exception {
        List<String> command = gridlet("serve", "--identities", identities.toString(), "--port", "0");
        command.addAll(Arrays.asList(args));
        Process p = start(output, command);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
        while (!Files.readString(output).contains("gridlet serve: listening on")) {
            if (!p.isAlive()) throw new AssertionError("gridlet serve ended:\n" + Files.readString(output));
            if (System.nanoTime() > deadline) throw new AssertionError("gridlet serve did not listen");
            Thread.sleep(100);
        }
        return p;
    }

    private static void assertSameFiles(Path expected, Path actual) throws IOException {
        List<String> names;
        try (Stream<Path> files = Files.list(expected)) {
            names = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".csv")).sorted().toList();
        }
        assertThat(names).hasSize(12);
        for (String name : names) {
            assertThat(Files.readAllLines(actual.resolve(name))).as(name)
                    .isEqualTo(Files.readAllLines(expected.resolve(name)));
        }
    }
}
