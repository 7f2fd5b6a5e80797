package io.gridlet.flink;

import io.gridlet.core.engine.QueryConfig;
import io.gridlet.core.engine.Replay;
import io.gridlet.core.generate.GeneratedInput;
import io.gridlet.core.generate.GeneratorConfig;
import io.gridlet.core.generate.MeasurementGenerator;
import io.gridlet.core.model.Measurement;
import io.gridlet.core.result.ResultFiles;
import io.gridlet.core.result.ResultLines;
import org.apache.flink.client.ClientUtils;
import org.apache.flink.client.program.PackagedProgram;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.core.execution.DefaultExecutorServiceLoader;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The job as a cluster receives it: a jar with the job's classes and its main class, handed to Flink's client
 * (what {@code flink run} does) and submitted over REST to a separate MiniCluster.
 */
class JobSubmissionTest {
    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder()
                    .setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(2)
                    .build());

    @TempDir
    Path dir;

    @Test
    void theJobJarsMainRunsOnASeparateClusterAndWritesTheCoreFiles() throws Exception {
        Path csv = dir.resolve("in.csv");
        try (InputStream in = new GeneratedInput(new MeasurementGenerator(GeneratorConfig.builder().seed(8)
                .layout(2, 2, 2)
                .span(1.2, 120)
                .gaps(0.02, 0.3, 40)
                .badLines(0.01, 0.02)
                .build()))) {
            Files.copy(in, csv);
        }
        Path core = dir.resolve("core");
        try (InputStream in = Files.newInputStream(csv); ResultFiles files = new ResultFiles(core, QueryConfig.DEFAULT)) {
            new Replay(QueryConfig.DEFAULT, 0).run(in, files);
        }

        Path jar = jobJar(dir.resolve("gridlet-job.jar"));
        Path out = dir.resolve("cluster-out");
        PackagedProgram program = PackagedProgram.newBuilder()
                .setJarFile(jar.toFile())
                .setArguments("--input", csv.toString(), "--out", out.toString())
                .build();
        Configuration client = new Configuration(CLUSTER.getClientConfiguration());
        client.set(DeploymentOptions.TARGET, "remote");
        client.set(DeploymentOptions.ATTACHED, true);
        ClientUtils.executeProgram(new DefaultExecutorServiceLoader(), client, program, false, false);

        for (String file : ResultLines.headers(QueryConfig.DEFAULT).keySet()) {
            assertThat(Files.readAllLines(out.resolve(file))).as(file).isEqualTo(Files.readAllLines(core.resolve(file)));
        }
    }

    /** gridlet-flink's and gridlet-core's classes in one jar whose manifest names the job's main class. */
    private static Path jobJar(Path target) throws Exception {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, GridletJobMain.class.getName());
        try (JarOutputStream jar = new JarOutputStream(Files.newOutputStream(target), manifest)) {
            add(jar, Path.of(GridletJobMain.class.getProtectionDomain().getCodeSource().getLocation().toURI()));
            add(jar, Path.of(Measurement.class.getProtectionDomain().getCodeSource().getLocation().toURI()));
        }
        return target;
    }

    private static void add(JarOutputStream jar, Path classes) throws IOException {
        if (Files.isDirectory(classes)) {
            try (Stream<Path> files = Files.walk(classes)) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    jar.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
                    Files.copy(f, jar);
                    jar.closeEntry();
                }
            }
            return;
        }
        try (JarInputStream in = new JarInputStream(Files.newInputStream(classes))) {
            for (JarEntry e; (e = in.getNextJarEntry()) != null; ) {
                if (e.isDirectory()) continue;
                jar.putNextEntry(new JarEntry(e.getName()));
                in.transferTo((OutputStream) jar);
                jar.closeEntry();
            }
        }
    }
}
