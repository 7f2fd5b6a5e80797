package io.gridlet.server.cli;

import io.gridlet.core.engine.QueryConfig;
import io.gridlet.core.result.ResultLines;
import io.gridlet.server.live.TlsFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The owner's key broker in a process of its own ({@code gridlet broker}, mutual TLS on loopback), and a sealed
 * run that fetches its keys from it: the results equal the plain run's; a client certificate with another name
 * gets no keys.
 */
class BrokerProcessTest {
    private static final Pattern SERVING = Pattern.compile("serving the keys of .* on 127\\.0\\.0\\.1:(\\d+)");

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter(), err = new StringWriter();

    private int gridlet(String... args) {
        CommandLine cli = GridletCommand.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    /** {@code gridlet broker ...} in its own JVM, this test's classpath. */
    private static Process broker(String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("--add-opens") || arg.startsWith("--add-exports")) command.add(arg);
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), GridletCommand.class.getName(),
                "broker"));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    @Test
    void aSealedRunGetsItsKeysFromABrokerInAnotherProcessOverMutualTls() throws Exception {
        String keys = dir.resolve("keys").toString();
        String[] data = {"--days", "0.05", "--houses", "2", "--seed", "4"};
        assertThat(gridlet("keys", "--dir", keys)).isZero();
        Path sealed = dir.resolve("in.sealed");
        assertThat(gridlet(concat(new String[] {"generate", "-q", "--sealed", "--keys", keys, "-o",
                sealed.toString()}, data))).as(err.toString()).isZero();
        Path runtimeKey = dir.resolve("runtime.key");
        assertThat(gridlet("keys", "runtime", "--dir", keys, "-o", runtimeKey.toString())).isZero();

        TlsFiles pki = new TlsFiles(dir.resolve("pki"), "owner");
        TlsFiles.Pair brokerCert = pki.issue("broker"), runtime = pki.issue("runtime"), mallory = pki.issue("mallory");
        Process broker = broker("--keys", keys, "--port", "0", "--tls-cert", brokerCert.cert().toString(),
                "--tls-key", brokerCert.key().toString(), "--client-ca", pki.ca().toString());
        try {
            BlockingQueue<String> lines = new LinkedBlockingQueue<>();
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(broker.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    for (String l; (l = r.readLine()) != null; ) lines.add(l);
                } catch (java.io.IOException e) {
                    // the process ended
                }
            }, "broker-output");
            reader.setDaemon(true);
            reader.start();
            String port = null;
            List<String> seen = new ArrayList<>();
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (port == null && System.nanoTime() < until) {
                String line = lines.poll(1, TimeUnit.SECONDS);
                if (line == null) continue;
                seen.add(line);
                Matcher m = SERVING.matcher(line);
                if (m.find()) port = m.group(1);
            }
            assertThat(port).as("the broker's port, from its output " + seen).isNotNull();
            String target = "127.0.0.1:" + port;

            Path sealedOut = dir.resolve("sealed-out"), plainOut = dir.resolve("plain-out");
            assertThat(gridlet("run", "-q", "--sealed", sealed.toString(), "--out", sealedOut.toString(),
                    "--broker", target, "--runtime-key", runtimeKey.toString(), "--broker-ca", pki.ca().toString(),
                    "--broker-cert", runtime.cert().toString(), "--broker-key", runtime.key().toString()))
                    .as(err.toString()).isZero();
            assertThat(err.toString()).contains("keys released by the broker at " + target);
            assertThat(gridlet("unseal", "--keys", keys, sealedOut.toString())).as(err.toString()).isZero();
            assertThat(gridlet(concat(new String[] {"run", "-q", "--engine", "core", "--out", plainOut.toString()},
                    data))).isZero();
            for (String file : ResultLines.headers(QueryConfig.DEFAULT).keySet()) {
                assertThat(Files.readAllLines(sealedOut.resolve(file))).as(file)
                        .isEqualTo(Files.readAllLines(plainOut.resolve(file)));
            }

            // a certificate of the same CA, but not a runtime the broker names: no session, no keys
            assertThat(gridlet("run", "-q", "--sealed", sealed.toString(), "--out", dir.resolve("x").toString(),
                    "--broker", target, "--runtime-key", runtimeKey.toString(), "--broker-ca", pki.ca().toString(),
                    "--broker-cert", mallory.cert().toString(), "--broker-key", mallory.key().toString()))
                    .isEqualTo(2);
            assertThat(err.toString()).contains("no keys from the broker at " + target);
            assertThat(broker.isAlive()).isTrue();
        } finally {
            broker.destroy();
            if (!broker.waitFor(10, TimeUnit.SECONDS)) broker.destroyForcibly();
        }
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
