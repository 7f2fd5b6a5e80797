package io.gridlet.flink;

import io.gridlet.core.csv.MeasurementReader;
import io.gridlet.core.csv.RejectReason;
import io.gridlet.core.engine.QueryConfig;
import io.gridlet.core.engine.Replay;
import io.gridlet.core.generate.GeneratedInput;
import io.gridlet.core.generate.GeneratorConfig;
import io.gridlet.core.generate.MeasurementGenerator;
import io.gridlet.core.model.HouseSet;
import io.gridlet.core.model.Measurement;
import io.gridlet.core.result.ResultFiles;
import io.gridlet.core.result.ResultLines;
import io.gridlet.enclave.keys.KeyRing;
import io.gridlet.enclave.keys.Pseudonyms;
import io.gridlet.enclave.keys.ReadingKeys;
import io.gridlet.enclave.keys.ResultMaster;
import io.gridlet.enclave.keys.TrustedKeys;
import io.gridlet.enclave.sealing.MeterIdentity;
import io.gridlet.enclave.sealing.MeterSealer;
import io.gridlet.enclave.sealing.ReadingSuite;
import io.gridlet.enclave.sealing.SealedBlock;
import io.gridlet.enclave.sealing.SealedReadingFile;
import io.gridlet.flink.operators.Boundary;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Sealed input through the Flink job: a file of sealed readings (with tampered, foreign-key and misrouted copies
 * mixed in) read by the job, opened only inside the trusted boundary (the order gate), gives exactly the output
 * of the plaintext run; every reading that does not open is refused, counted, and never reaches a query. The
 * same file in a plain run opens nothing.
 */
class SealedInputTest {
    static final String RING = "sealed-input-test";

    @TempDir
    Path dir;

    @AfterEach
    void forget() {
        TrustedKeys.unregister(RING);
    }

    @Test
    void aSealedFileGivesThePlaintextOutputAndRefusesWhatDoesNotOpen() throws Exception {
        KeyRing ring = KeyRing.generate();
        Pseudonyms routing = new Pseudonyms(new byte[32]);
        TrustedKeys.register(RING, ring);
        TrustedKeys.registerRouting(RING, routing);
        TrustedKeys.registerResults(RING, new ResultMaster(new byte[32]));

        GeneratorConfig shape = GeneratorConfig.builder().seed(3)
                .layout(3, 2, 2)
                .span(0.5, 10)
                .gaps(0.01, 0.1, 20)
                .badLines(0.0, 0.0)
                .build();
        io.gridlet.flink.Generated generated = io.gridlet.flink.Generated.in(dir, shape);
        Path csv = generated.csv();

        ReadingKeys owner = ReadingKeys.generate();
        TrustedKeys.registerReadings(RING, owner);
        MeterIdentity meter = new MeterIdentity("meter-1", HouseSet.ALL);
        MeterSealer sealer = new MeterSealer(meter, owner.meters().keyPair(meter),
                ReadingSuite.publicKey(owner.ingestPublic()), 1);
        ReadingKeys otherOwner = ReadingKeys.generate();
        MeterSealer foreign = new MeterSealer(meter, otherOwner.meters().keyPair(meter),
                ReadingSuite.publicKey(otherOwner.ingestPublic()), 1);
        Path sealed = dir.resolve("in.sealed");
        Random random = new Random(8);
        long readings = 0, refused = 0, replayed = 0;
        List<Measurement> all = new ArrayList<>();
        try (MeasurementReader reader = new MeasurementReader(Files.newInputStream(csv), (l, r, m, t) -> { })) {
            for (Measurement m = reader.next(); m != null; m = reader.next()) all.add(m);
        }
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(sealed)))) {
            SealedReadingFile.writeHeader(out);
            for (int from = 0; from < all.size(); ) { // blocks of 1 to 300 readings
                List<Measurement> block = all.subList(from, Math.min(all.size(), from + 1 + random.nextInt(300)));
                from += block.size();
                SealedBlock s = sealer.seal(block);
                s.writeTo(out);
                readings += block.size();
                if (random.nextInt(20) == 0) { // a copy with one bit flipped: refused, the original counts
                    byte[] c = s.ciphertext().clone();
                    c[random.nextInt(c.length)] ^= 1 << random.nextInt(8);
                    new SealedBlock(s.meter(), s.epoch(), s.enc(), s.seq(), s.timestamps(), c).writeTo(out);
                    refused += block.size();
                }
                if (random.nextInt(20) == 0) { // sealed to another deployment's boundary
                    foreign.seal(block).writeTo(out);
                    refused += block.size();
                }
                if (random.nextInt(20) == 0) { // the same readings again: a replay, refused inside
                    s.writeTo(out);
                    replayed += block.size();
                }
            }
        }
        assertThat(refused).isGreaterThan(3);
        assertThat(replayed).isGreaterThan(1);
        byte[] bytes = Files.readAllBytes(sealed);
        assertThat(new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1)).doesNotContain("1377986");

        Path out = dir.resolve("out");
        FlinkRun run = new FlinkRun(QueryConfig.DEFAULT, 0, Duration.ofSeconds(1)).boundary(Boundary.sealed(RING, RING));
        RunDirectory work = new RunDirectory(out);
        work.prepare(run.identity(sealed), true);
        FlinkRun.Outcome outcome = run.run(FlinkRun.embedded(2), GridletJob.sealedSource(sealed.toString(),
                        run.boundary()), "sealed",
                out, work, Optional.empty(), job -> { }, results -> { });
        SealedOutputs.assertSealedThenUnseal(out, RING);
        generated.assertSameFiles(out);
        assertThat(outcome.counts().loads() + outcome.counts().works()).isEqualTo(readings);
        assertThat(outcome.counts().rejections().counts()).containsOnly(
                java.util.Map.entry(RejectReason.UNOPENABLE, refused), java.util.Map.entry(RejectReason.REPLAYED,
                        replayed));
        assertThat(outcome.counts().rejections().examples()).allSatisfy(e -> {
            assertThat(e.text()).contains("content withheld");
            if (e.reason() == RejectReason.UNOPENABLE) assertThat(e.message()).contains("(TAMPERED)");
        });

        // without the keys (a plain run) nothing opens, and nothing reaches the queries
        Path plain = dir.resolve("plain");
        FlinkRun plainRun = new FlinkRun(QueryConfig.DEFAULT, 0, Duration.ofSeconds(1));
        RunDirectory plainWork = new RunDirectory(plain);
        plainWork.prepare(plainRun.identity(sealed), true);
        FlinkRun.Outcome none = plainRun.run(FlinkRun.embedded(1), GridletJob.sealedSource(sealed.toString()),
                "plain", plain, plainWork, Optional.empty(), job -> { }, results -> { });
        assertThat(none.counts().loads() + none.counts().works()).isZero();
        assertThat(none.counts().rejections().total()).isEqualTo(readings + refused + replayed);
    }
}
