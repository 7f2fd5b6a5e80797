package io.gridlet.flink.faults;

import io.gridlet.core.q2.PlugMedians;
import io.gridlet.enclave.attestation.CodeMeasurement;
import io.gridlet.enclave.attestation.KeyBroker;
import io.gridlet.enclave.attestation.SoftwareRuntime;
import io.gridlet.enclave.keys.KeyRing;
import io.gridlet.enclave.keys.Pseudonyms;
import io.gridlet.enclave.keys.ResultMaster;
import io.gridlet.enclave.keys.TrustedKeys;
import io.gridlet.flink.FlinkRun;
import io.gridlet.flink.elastic.JobRest;
import io.gridlet.flink.operators.Boundary;
import io.gridlet.flink.operators.LoadForecastOperator;
import io.gridlet.flink.operators.PlugMediansOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The job inside a sealed boundary, with keys released through the key broker to the software runtime: rescaled
 * 1 -> 2 mid-run, it still writes exactly the undisturbed output, and its checkpoints hold none of the input's
 * load readings the way the plaintext state writes them (timestamp, plug index, value: 16 bytes of which 12 are
 * known, which ciphertext does not contain by chance).
 */
class SealedRunTest {
    static final String RING = "sealed-run-test";

    @TempDir
    Path dir;

    @AfterEach
    void forget() {
        TrustedKeys.unregister(RING);
    }

    @Test
    void aSealedRunRescaledMidwayIsExactAndItsCheckpointsHoldNoPlaintextIds() throws Exception {
        releaseKeys();
        FaultRuns data = FaultRuns.in(dir);
        Path out = dir.resolve("sealed");
        int port = FlinkRun.freeLoopbackPort();
        long lines = data.expectedSummary.lines();
        List<Path> checkpointFiles = new ArrayList<>();
        try (FaultRuns.Background run = new FaultRuns.Background(
                FaultRuns.newRun().boundary(Boundary.sealed(RING, RING).sealingRecords()), FlinkRun.embedded(1, 2, port), data.csv,
                out, Optional.empty())) {
            JobRest rest = new JobRest("127.0.0.1:" + port, run.job().getJobID().toHexString());
            FaultRuns.awaitParallelism(run, rest, 1);
            run.awaitLines(lines / 4);
            run.awaitNewCheckpoint();
            rest.rescale(2);
            FaultRuns.awaitParallelism(run, rest, 2);
            run.awaitLines(lines / 2);
            run.awaitNewCheckpoint();
            checkpointFiles.addAll(copyOf(run.dir.checkpoints(), dir.resolve("kept")));
            FlinkRun.Outcome outcome = run.finish();
            io.gridlet.flink.SealedOutputs.assertSealedThenUnseal(out, RING);
            data.assertUndisturbed(outcome, out, true);
        }
        assertThat(checkpointFiles).isNotEmpty();
        Map<Long, Set<Integer>> readings = loadReadings(data.csv);
        long bytes = 0;
        for (Path f : checkpointFiles) {
            byte[] content = Files.readAllBytes(f);
            bytes += content.length;
            assertThat(findReading(content, readings)).as(f + " holds a reading in the clear").isEqualTo(-1);
        }
        assertThat(bytes).as("checkpointed state").isGreaterThan(10_000);
    }

    @Test
    void theScanWouldSeePlaintextState() throws Exception {
        // the control: the core's plaintext snapshot of Q2 holds each reading in its window as its timestamp, the
        // plug's index and the value, which is what the scan looks for
        PlugMedians medians = new PlugMedians(3600);
        medians.add(1_377_986_401L, 3, 1, 2, 500_123);
        medians.add(1_377_986_402L, 3, 1, 1, 7_654_321);
        byte[][] parts = medians.snapshotParts(1, plug -> 0);
        assertThat(findReading(parts[0], Map.of(1_377_986_402L, Set.of(7_654_321)))).isNotEqualTo(-1);
        assertThat(findReading(parts[0], Map.of(1_377_986_402L, Set.of(500_123)))).isEqualTo(-1);
    }

    /** Every load reading of the file: timestamp -> values. */
    private static Map<Long, Set<Integer>> loadReadings(Path csv) throws Exception {
        Map<Long, Set<Integer>> readings = new java.util.HashMap<>();
        try (var in = Files.newInputStream(csv);
             var reader = new io.gridlet.core.csv.MeasurementReader(in, new io.gridlet.core.csv.Rejections())) {
            for (var m = reader.next(); m != null; m = reader.next()) {
                if (m.isLoad()) readings.computeIfAbsent(m.timestamp(), t -> new java.util.HashSet<>())
                        .add((int) m.milliValue());
            }
        }
        return readings;
    }

    /** Where the bytes hold a reading as the plaintext state writes it (timestamp, 4 bytes, value), or -1. */
    static int findReading(byte[] bytes, Map<Long, Set<Integer>> readings) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        for (int i = 0; i + 16 <= bytes.length; i++) {
            Set<Integer> values = readings.get(b.getLong(i));
            if (values != null && values.contains(b.getInt(i + 12))) return i;
        }
        return -1;
    }

    /** The data keys and the routing key, as the key broker releases them to an attested software runtime. */
    private static void releaseKeys() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair signing = g.generateKeyPair();
        List<Class<?>> code = List.of(LoadForecastOperator.class, PlugMediansOperator.class);
        KeyRing owner = KeyRing.generate();
        KeyBroker broker = new KeyBroker(owner, Map.of("ci", new KeyBroker.Signer(SoftwareRuntime.KIND,
                signing.getPublic())), Set.of(HexFormat.of().formatHex(CodeMeasurement.of(code))),
                System::currentTimeMillis, 60_000);
        SoftwareRuntime runtime = new SoftwareRuntime(code, "ci", signing.getPrivate(), System::currentTimeMillis);
        TrustedKeys.register(RING, runtime.receive(broker.release(runtime.attest(broker.challenge()))));
        byte[] routing = new byte[32];
        new SecureRandom().nextBytes(routing);
        TrustedKeys.registerRouting(RING, new Pseudonyms(routing));
        TrustedKeys.registerResults(RING, new ResultMaster(new byte[32]));
    }

    /** Copies the checkpoint files as they are now (the run directory goes when the run ends). */
    private static List<Path> copyOf(Path from, Path to) throws Exception {
        List<Path> copies = new ArrayList<>();
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Path target = to.resolve(from.relativize(f).toString());
                Files.createDirectories(target.getParent());
                try {
                    Files.copy(f, target);
                    copies.add(target);
                } catch (java.nio.file.NoSuchFileException gone) {
                    // a checkpoint subsumed meanwhile
                }
            }
        }
        return copies;
    }
}
