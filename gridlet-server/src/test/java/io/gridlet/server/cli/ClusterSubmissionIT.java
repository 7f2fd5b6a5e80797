package io.gridlet.server.cli;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code gridlet run --cluster}: the packaged gridlet.jar, started as its own process, submits the job over REST
 * to a Flink cluster (a MiniCluster in this JVM, on loopback) and writes the same files as the core engine.
 */
class ClusterSubmissionIT {
    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder()
                    .setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(2)
                    .build());

    @TempDir
    Path dir;

    private Path lastLog;

    private int gridlet(String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(Arrays.asList(System.getProperty("gridlet.jvm.opens", "").split(" ")));
        command.removeIf(String::isBlank);
        command.add("-jar");
        command.add(System.getProperty("gridlet.jar"));
        command.addAll(Arrays.asList(args));
        lastLog = dir.resolve("gridlet-" + System.nanoTime() + ".log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(lastLog.toFile())
                .start();
        assertThat(process.waitFor(5, TimeUnit.MINUTES)).as("gridlet finished").isTrue();
        return process.exitValue();
    }

    @Test
    void runSubmitsTheJobToTheClusterAndWritesTheCoreFiles() throws Exception {
        assertThat(new File(System.getProperty("gridlet.jar"))).exists();
        Configuration rest = CLUSTER.getClientConfiguration();
        String address = rest.get(RestOptions.ADDRESS) + ":" + rest.get(RestOptions.PORT);
        assertThat(address).startsWith("localhost:").doesNotEndWith(":0");

        Path csv = dir.resolve("in.csv");
        assertThat(gridlet("generate", "-q", "--days", "0.5", "--houses", "2", "--interval", "60",
                "--malformed-rate", "0.01", "-o", csv.toString())).isZero();
        assertThat(gridlet("run", "-q", "--engine", "core", csv.toString(), "-o", dir.resolve("core").toString()))
                .isZero();
        assertThat(gridlet("run", "-q", csv.toString(), "--cluster", address, "-p", "2", "-o",
                dir.resolve("cluster").toString())).isZero();
        assertThat(Files.readString(lastLog)).contains("(Flink cluster " + address + ", parallelism 2, checkpoints every");

        try (var files = Files.list(dir.resolve("core"))) {
            for (Path core : files.toList()) {
                assertThat(Files.readAllLines(dir.resolve("cluster").resolve(core.getFileName())))
                        .as(core.getFileName().toString()).isEqualTo(Files.readAllLines(core));
            }
        }
    }
}
