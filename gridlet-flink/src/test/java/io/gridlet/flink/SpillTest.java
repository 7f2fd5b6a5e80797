package io.gridlet.flink;

import io.gridlet.core.csv.MeasurementReader;
import io.gridlet.core.engine.QueryConfig;
import io.gridlet.core.engine.Replay;
import io.gridlet.core.generate.GeneratedInput;
import io.gridlet.core.generate.GeneratorConfig;
import io.gridlet.core.generate.MeasurementGenerator;
import io.gridlet.core.model.Measurement;
import io.gridlet.core.q2.ReadingLog;
import io.gridlet.core.result.ResultFiles;
import io.gridlet.core.result.ResultLines;
import io.gridlet.enclave.keys.KeyRing;
import io.gridlet.enclave.keys.Pseudonyms;
import io.gridlet.enclave.keys.ResultMaster;
import io.gridlet.enclave.keys.TrustedKeys;
import io.gridlet.flink.operators.Boundary;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The trusted memory budget: a sealed run whose Q2 window log may hold two chunks (256 KiB) in memory spills the
 * rest to the encrypted store and reads it back as the windows move; the output is exactly the plaintext run's,
 * and no spilled file holds the readings as the log holds them in memory (pairs of consecutive values; a control
 * shows the scan finds them in a plaintext chunk).
 */
class SpillTest {
    static final String RING = "spill-test";

    @TempDir
    Path dir;

    @AfterEach
    void forget() {
        TrustedKeys.unregister(RING);
    }

    @Test
    void aSealedRunBeyondItsMemoryBudgetSpillsEncryptedAndStaysExact() throws Exception {
        KeyRing ring = KeyRing.generate();
        TrustedKeys.register(RING, ring);
        TrustedKeys.registerRouting(RING, new Pseudonyms(new byte[32]));
        TrustedKeys.registerResults(RING, new ResultMaster(new byte[32]));
        // 40 plugs every 10 s for 1.2 days: the 24 h window holds ~350 k loads, ~21 chunks of the log
        GeneratorConfig shape = GeneratorConfig.builder().seed(4)
                .layout(5, 2, 4)
                .span(1.2, 10)
                .gaps(0.0, 0.0, 0)
                .badLines(0.0, 0.0)
                .build();
        io.gridlet.flink.Generated generated = io.gridlet.flink.Generated.in(dir, shape);
        Path csv = generated.csv();

        Path spillRoot = dir.resolve("spill");
        Path kept = Files.createDirectories(dir.resolve("kept"));
        Set<Path> copied = ConcurrentHashMap.newKeySet();
        AtomicBoolean running = new AtomicBoolean(true);
        Thread watcher = new Thread(() -> { // copies spilled files while they exist (they are deleted when read)
            while (running.get()) {
                try (Stream<Path> files = Files.exists(spillRoot) ? Files.walk(spillRoot) : Stream.empty()) {
                    for (Path f : files.filter(Files::isRegularFile).toList()) {
                        Path to = kept.resolve(f.getParent().getFileName() + "-" + f.getFileName());
                        if (copied.add(to)) {
                            try {
                                Files.copy(f, to);
                            } catch (Exception gone) {
                                copied.remove(to); // read back and deleted meanwhile
                            }
                        }
                    }
                } catch (Exception ignored) {
                    // a directory listed while it changes
                }
                Thread.onSpinWait();
            }
        });
        watcher.start();
        Path out = dir.resolve("out");
        FlinkRun run = new FlinkRun(QueryConfig.DEFAULT, 0, Duration.ofSeconds(2))
                .boundary(Boundary.sealed(RING, RING).memoryBudget(2L * ReadingLog.CHUNK_BYTES, spillRoot));
        RunDirectory work = new RunDirectory(out);
        work.prepare(run.identity(csv), true);
        FlinkRun.Outcome outcome;
        try {
            outcome = run.run(FlinkRun.embedded(1), GridletJob.csvSource(csv.toString()), "spill", out, work,
                    Optional.empty(), job -> { }, results -> { });
        } finally {
            running.set(false);
            watcher.join();
        }
        assertThat(outcome.counts().rejections().total()).isZero();
        SealedOutputs.assertSealedThenUnseal(out, RING);
        generated.assertSameFiles(out);
        assertThat(copied).as("spilled chunks seen").hasSizeGreaterThan(3);
        try (Stream<Path> left = Files.walk(spillRoot)) {
            assertThat(left.filter(Files::isRegularFile)).as("spill files left after the run").isEmpty();
        }

        Set<Long> pairs = consecutiveLoadPairs(csv);
        for (Path f : copied) {
            assertThat(findPair(Files.readAllBytes(f), pairs)).as(f + " holds readings in the clear").isEqualTo(-1);
        }
        // the control: a plaintext chunk as the log writes it holds the pairs the scan looks for
        ReadingLog log = new ReadingLog();
        byte[][] plainChunk = new byte[1][];
        log.spillTo(new ReadingLog.Spill() {
            @Override
            public void write(long chunk, byte[] bytes) {
                if (plainChunk[0] == null) plainChunk[0] = bytes;
            }

            @Override
            public byte[] read(long chunk) {
                return null;
            }

            @Override
            public void delete(long chunk) {
            }
        }, 2);
        try (MeasurementReader r = new MeasurementReader(Files.newInputStream(csv), (l, x, m, t) -> { })) {
            for (Measurement m = r.next(); m != null && plainChunk[0] == null; m = r.next()) {
                if (m.isLoad()) log.append(m.timestamp(), 0, (int) m.milliValue());
            }
        }
        assertThat(findPair(plainChunk[0], pairs)).isNotEqualTo(-1);
    }

    /** (value i, value i+1) of the load readings in input order, as two big-endian ints. */
    private static Set<Long> consecutiveLoadPairs(Path csv) throws Exception {
        Set<Long> pairs = new HashSet<>();
        try (MeasurementReader r = new MeasurementReader(Files.newInputStream(csv), (l, x, m, t) -> { })) {
            long previous = -1;
            for (Measurement m = r.next(); m != null; m = r.next()) {
                if (!m.isLoad()) continue;
                if (previous >= 0) pairs.add(previous << 32 | (m.milliValue() & 0xffff_ffffL));
                previous = m.milliValue();
            }
        }
        return pairs;
    }

    private static int findPair(byte[] bytes, Set<Long> pairs) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        for (int i = 0; i + 8 <= bytes.length; i++) {
            if (pairs.contains(b.getLong(i))) return i;
        }
        return -1;
    }
}
