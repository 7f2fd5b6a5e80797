package io.gridlet.flink.operators;

import io.gridlet.core.csv.RejectReason;
import io.gridlet.core.csv.Rejection;
import io.gridlet.core.generate.GeneratorConfig;
import io.gridlet.core.model.HouseSet;
import io.gridlet.core.model.Measurement;
import io.gridlet.core.model.Property;
import io.gridlet.enclave.keys.KeyRing;
import io.gridlet.enclave.keys.Pseudonyms;
import io.gridlet.enclave.keys.ReadingKeys;
import io.gridlet.enclave.keys.ResultMaster;
import io.gridlet.enclave.keys.TrustedKeys;
import io.gridlet.enclave.sealing.MeterIdentity;
import io.gridlet.enclave.sealing.MeterSealer;
import io.gridlet.enclave.sealing.ReadingSuite;
import io.gridlet.enclave.sealing.SealedBlock;
import io.gridlet.flink.source.SourceRecord;
import io.gridlet.flink.types.MeasurementTypeInfo;
import io.gridlet.flink.types.SealingSerializer;
import io.gridlet.flink.types.WindowChangeSerializer;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static io.gridlet.flink.operators.Harnesses.CONFIG;
import static io.gridlet.flink.operators.Harnesses.bytes;
import static io.gridlet.flink.operators.Harnesses.contains;
import static io.gridlet.flink.operators.Harnesses.counts;
import static io.gridlet.flink.operators.Harnesses.feed;
import static io.gridlet.flink.operators.Harnesses.gate;
import static io.gridlet.flink.operators.Harnesses.summary;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The trusted boundary through the operators: a sealed reading is opened only inside the order gate and goes on
 * as its plaintext would; one that does not open (tampered, sealed with another meter's key), is of a house its
 * meter may not report for, or was seen before (across a restore too) is refused and counted, and never passed on; inside a sealed boundary the operators' snapshots hold
 * no reading in the clear (where a plain boundary's do), restore only where the keys were released, and records
 * leave for the next task sealed when the boundary seals records.
 */
class SealedBoundaryTest {
    static final String KEYS = "sealed-boundary-test";
    /** A load and a house recognizable in bytes (a load fits Q2's int milliwatts, a house 32 bits). */
    static final long VALUE = 0x5A17_C0DEL, HOUSE = 0x5EA1_0F1DL;

    @TempDir
    Path dir;
    /** A boundary per test: it keeps the keys it looked up, and each test releases a new ring. */
    Boundary sealedBoundary;
    KeyRing ring;
    Pseudonyms routing;
    ReadingKeys owner;
    MeterSealer sealer;

    @BeforeEach
    void releaseKeys() {
        ring = KeyRing.generate();
        routing = new Pseudonyms(new byte[32]);
        owner = ReadingKeys.generate();
        TrustedKeys.register(KEYS, ring);
        TrustedKeys.registerRouting(KEYS, routing);
        TrustedKeys.registerResults(KEYS, new ResultMaster(new byte[32]));
        TrustedKeys.registerReadings(KEYS, owner);
        sealer = meter("meter-1", "*", 1);
        sealedBoundary = Boundary.sealed(KEYS, KEYS);
    }

    MeterSealer meter(String name, String houses, long epoch) {
        MeterIdentity id = new MeterIdentity(name, HouseSet.parse(houses));
        return new MeterSealer(id, owner.meters().keyPair(id), ReadingSuite.publicKey(owner.ingestPublic()), epoch);
    }

    @AfterEach
    void forgetKeys() {
        TrustedKeys.unregister(KEYS);
    }

    @Test
    void aSealedReadingIsOpenedInsideTheGateAndGoesOnAsItsPlaintextWould() throws Exception {
        GeneratorConfig shape = GeneratorConfig.builder().seed(3)
                .layout(2, 2, 2)
                .span(0.1, 30)
                .gaps(0.02, 0.3, 0)
                .badLines(0.0, 0.0)
                .build();
        List<SourceRecord> plain = Harnesses.Generated.in(dir, shape).records();
        List<SourceRecord> sealed = plain.stream().map(r -> SourceRecord.sealed(r.line(), sealer.seal(r.reading())))
                .toList();
        try (OneInputStreamOperatorTestHarness<SourceRecord, Measurement> plainGate = gate(new OrderGateOperator(0),
                null);
             OneInputStreamOperatorTestHarness<SourceRecord, Measurement> sealedGate = gate(
                     new OrderGateOperator(0, 0, sealedBoundary), null)) {
            feed(plainGate, plain);
            feed(sealedGate, sealed);
            plainGate.processWatermark(Long.MAX_VALUE);
            sealedGate.processWatermark(Long.MAX_VALUE);
            assertThat(List.copyOf(sealedGate.getOutput())).isEqualTo(List.copyOf(plainGate.getOutput()))
                    .hasSizeGreaterThan(plain.size() / 2);
            assertThat(summary(counts(sealedGate))).isEqualTo(summary(counts(plainGate)));
            assertThat(counts(sealedGate).rejections().total()).isZero();
        }
    }

    @Test
    void aSealedReadingThatDoesNotOpenIsRefusedCountedAndNeverPassedOn() throws Exception {
        Measurement a = load(1, 100), b = load(2, 101), c = load(3, 102);
        SealedBlock sealedA = sealer.seal(a), sealedB = sealer.seal(b), sealedC = sealer.seal(c);
        byte[] flipped = sealedB.ciphertext().clone();
        flipped[5] ^= 1;
        SealedBlock tampered = new SealedBlock(sealedB.meter(), sealedB.epoch(), sealedB.enc(), sealedB.seq(),
                sealedB.timestamps(), flipped);
        // meter-2's key, sealing as meter-1: the boundary derives meter-1's key, and the seal does not verify
        MeterIdentity one = new MeterIdentity("meter-1", HouseSet.ALL);
        SealedBlock forged = new MeterSealer(one, owner.meters().keyPair(new MeterIdentity("meter-2",
                HouseSet.ALL)), ReadingSuite.publicKey(owner.ingestPublic()), 2).seal(c);
        // meter-3 may report for house 8 only: a modified meter that seals house 7 anyway
        SealedBlock notOwned = hostileSeal(new MeterIdentity("meter-3", HouseSet.parse("8")), c);
        try (OneInputStreamOperatorTestHarness<SourceRecord, Measurement> gate = gate(
                new OrderGateOperator(0, 0, sealedBoundary), null)) {
            feed(gate, List.of(SourceRecord.sealed(1, sealedA), SourceRecord.sealed(2, tampered),
                    SourceRecord.sealed(3, sealedB), SourceRecord.sealed(4, forged),
                    SourceRecord.sealed(5, notOwned), SourceRecord.sealed(6, sealedA), SourceRecord.sealed(7, sealedC)));
            assertThat(List.copyOf(gate.getOutput())).containsExactly(
                    new Watermark(99), new StreamRecord<>(a, 100),
                    new Watermark(100), new StreamRecord<>(b, 101),
                    new Watermark(101), new StreamRecord<>(c, 102));
            GateCounts counts = counts(gate);
            assertThat(counts.lines()).isEqualTo(7);
            assertThat(counts.loads()).isEqualTo(3);
            assertThat(counts.rejections().counts()).containsOnly(Map.entry(RejectReason.UNOPENABLE, 2L),
                    Map.entry(RejectReason.NOT_OWNED, 1L), Map.entry(RejectReason.REPLAYED, 1L));
            List<Rejection> examples = counts.rejections().examples();
            assertThat(examples).extracting(Rejection::lineNumber).containsExactly(2L, 4L, 5L, 6L);
            assertThat(examples).extracting(Rejection::reason).containsExactly(RejectReason.UNOPENABLE,
                    RejectReason.UNOPENABLE, RejectReason.NOT_OWNED, RejectReason.REPLAYED);
            assertThat(examples.get(0).message()).startsWith("sealed reading refused (TAMPERED)");
            assertThat(examples.get(1).message()).startsWith("sealed reading refused (TAMPERED)");
            // an example names the record, never its content
            assertThat(examples).extracting(Rejection::text).containsOnly(
                    "(line 2, content withheld in a sealed run)", "(line 4, content withheld in a sealed run)",
                    "(line 5, content withheld in a sealed run)", "(line 6, content withheld in a sealed run)");
        }
    }

    @Test
    void aBlockIsOpenedWholeByTheGateItsReadingsNumberedOnOrEachRefused() throws Exception {
        List<Measurement> three = List.of(load(1, 100), load(2, 101), load(3, 101));
        SealedBlock block = sealer.seal(three), next = sealer.seal(List.of(load(4, 102), load(5, 103)));
        byte[] flipped = next.ciphertext().clone();
        flipped[7] ^= 1;
        SealedBlock tampered = new SealedBlock(next.meter(), next.epoch(), next.enc(), next.seq(), next.timestamps(),
                flipped);
        try (OneInputStreamOperatorTestHarness<SourceRecord, Measurement> gate = gate(
                new OrderGateOperator(0, 0, sealedBoundary), null)) {
            feed(gate, List.of(SourceRecord.sealed(1, block), SourceRecord.sealed(4, tampered),
                    SourceRecord.sealed(6, block)));
            gate.processWatermark(Long.MAX_VALUE);
            assertThat(gate.extractOutputValues()).containsExactlyElementsOf(three);
            GateCounts counts = counts(gate);
            assertThat(counts.lines()).isEqualTo(8);
            assertThat(counts.rejections().counts()).containsOnly(Map.entry(RejectReason.UNOPENABLE, 2L),
                    Map.entry(RejectReason.REPLAYED, 3L));
            assertThat(counts.rejections().examples()).extracting(Rejection::lineNumber)
                    .containsExactly(4L, 5L, 6L, 7L, 8L);
        }
    }

    @Test
    void theGateRemembersEachMetersLastSealedReadingAcrossARestore() throws Exception {
        SealedBlock first = sealer.seal(load(1, 100)), second = sealer.seal(load(2, 101));
        OperatorSubtaskState snapshot;
        try (OneInputStreamOperatorTestHarness<SourceRecord, Measurement> gate = gate(
                new OrderGateOperator(0, 0, sealedBoundary), null)) {
            feed(gate, List.of(SourceRecord.sealed(1, first)));
            snapshot = gate.snapshot(1, 1);
        }
        try (OneInputStreamOperatorTestHarness<SourceRecord, Measurement> restored = gate(
                new OrderGateOperator(0, 0, sealedBoundary), snapshot)) {
            feed(restored, List.of(SourceRecord.sealed(1, first), SourceRecord.sealed(2, second)));
            assertThat(counts(restored).rejections().counts()).containsOnly(Map.entry(RejectReason.REPLAYED, 1L));
            assertThat(counts(restored).loads()).isEqualTo(2); // the first before the snapshot, the second after
        }
    }

    /** A reading sealed with a meter's own key and identity, but without the sealer's house check. */
    SealedBlock hostileSeal(MeterIdentity meter, Measurement m) throws Exception {
        ReadingSuite.Sending epoch = ReadingSuite.send(ReadingSuite.publicKey(owner.ingestPublic()),
                owner.meters().keyPair(meter), meter.text(), 1);
        SealedBlock clear = new SealedBlock(meter.text(), 1, epoch.enc(), 1, new long[] {m.timestamp()},
                new byte[SealedBlock.ciphertextLength(1)]);
        DataOutputSerializer header = new DataOutputSerializer(128);
        clear.writeTo(header);
        byte[] aad = java.util.Arrays.copyOf(header.getCopyOfBuffer(), header.length() - SealedBlock.ciphertextLength(1));
        ByteBuffer plain = ByteBuffer.allocate(Measurement.BINARY_LENGTH);
        m.writeTo(plain);
        Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
        gcm.init(Cipher.ENCRYPT_MODE, epoch.key(), new GCMParameterSpec(128, ReadingSuite.nonce(1)));
        gcm.updateAAD(aad);
        return new SealedBlock(meter.text(), 1, epoch.enc(), 1, new long[] {m.timestamp()}, gcm.doFinal(plain.array()));
    }

    @Test
    void aPlainGateOpensNoSealedReading() throws Exception {
        try (OneInputStreamOperatorTestHarness<SourceRecord, Measurement> gate = gate(new OrderGateOperator(0),
                null)) {
            feed(gate, List.of(SourceRecord.sealed(1, sealer.seal(load(1, 100)))));
            gate.processWatermark(Long.MAX_VALUE);
            assertThat(List.copyOf(gate.getOutput())).containsExactly(Watermark.MAX_WATERMARK);
            assertThat(counts(gate).rejections().examples()).containsExactly(new Rejection(1,
                    RejectReason.UNOPENABLE, "a sealed reading in a plain run: run it --sealed", "record 1"));
        }
    }

    @Test
    void theSealedGatesSnapshotHoldsNoReadingInTheClearWhereThePlainGatesDoes() throws Exception {
        byte[] plain = bytes(gateHolding(Boundary.PLAIN));
        byte[] sealed = bytes(gateHolding(sealedBoundary));
        // the held readings, as Measurement.writeTo (the gate's snapshot) writes their fields
        assertThat(contains(plain, longBytes(VALUE))).isTrue();
        assertThat(contains(plain, longBytes(HOUSE))).isTrue();
        assertThat(contains(sealed, longBytes(VALUE))).isFalse();
        assertThat(contains(sealed, longBytes(HOUSE))).isFalse();
    }

    @Test
    void aSealedKeyedRestoreMissingSomeOfItsKeyGroupsIsRefused() throws Exception {
        OperatorSubtaskState all = keyedHolding(true, sealedBoundary); // every key group, at parallelism 1
        KeyedStages<?> stages = new KeyedStages<>(() -> new LoadForecastOperator(CONFIG.epoch(), CONFIG.sliceSeconds(),
                sealedBoundary), new Partitioning.ByHouse(sealedBoundary), null);
        // instance 0 of 2, given only the share instance 0 of 4 would own (a handle dropped from the checkpoint)
        OperatorSubtaskState quarter = org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness
                .repartitionOperatorState(all, KeyedStages.MAX_PARALLELISM, 1, 4, 0);
        assertThatThrownBy(() -> stages.instance(2, 0, quarter))
                .hasStackTraceContaining("the checkpoint restored holds")
                .hasStackTraceContaining("of this instance's");
        stages.instance(2, 0, org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness
                .repartitionOperatorState(all, KeyedStages.MAX_PARALLELISM, 1, 2, 0)).close(); // its whole share
    }

    @Test
    void sealedStateRestoresOnlyAsTheCheckpointAndRunItWasWrittenFor() throws Exception {
        Boundary runA = sealedBoundary.forRun("run-a");
        OperatorSubtaskState snapshot = gateHolding(runA); // checkpoint 1 of run-a
        OneInputStreamOperatorTestHarness<SourceRecord, Measurement> older = new OneInputStreamOperatorTestHarness<>(
                new OrderGateOperator(HELD_LATENESS, 0, runA));
        older.setRestoredCheckpointId(2); // Flink restores checkpoint 2: a part of checkpoint 1 put in its place
        assertThatThrownBy(() -> older.initializeState(snapshot))
                .hasStackTraceContaining("state order-gate of checkpoint 1 where checkpoint 2 is restored");
        OneInputStreamOperatorTestHarness<SourceRecord, Measurement> otherRun =
                new OneInputStreamOperatorTestHarness<>(new OrderGateOperator(HELD_LATENESS, 0,
                        sealedBoundary.forRun("run-b")));
        otherRun.setRestoredCheckpointId(Harnesses.RESTORED_CHECKPOINT);
        assertThatThrownBy(() -> otherRun.initializeState(snapshot)).hasStackTraceContaining("does not verify");
        try (OneInputStreamOperatorTestHarness<SourceRecord, Measurement> same = gate(
                new OrderGateOperator(HELD_LATENESS, 0, runA), snapshot)) {
            same.processWatermark(Long.MAX_VALUE);
            assertThat(same.getOutput()).hasSize(5); // its two readings and their watermarks, and the last
        }
    }

    @Test
    void aSealedGatesSnapshotRestoresOnlyWhereItsKeysWereReleased() throws Exception {
        OperatorSubtaskState snapshot = gateHolding(sealedBoundary);
        try (OneInputStreamOperatorTestHarness<SourceRecord, Measurement> restored = gate(
                new OrderGateOperator(HELD_LATENESS, 0, sealedBoundary), snapshot)) {
            restored.processWatermark(Long.MAX_VALUE);
            assertThat(List.copyOf(restored.getOutput())).containsExactly(
                    new Watermark(999), new StreamRecord<>(held(1, 1000), 1000),
                    new Watermark(1009), new StreamRecord<>(held(2, 1010), 1010),
                    Watermark.MAX_WATERMARK);
        }
        TrustedKeys.unregister(KEYS);
        // a task deployed where the keys were not released (its boundary fresh from the job graph, nothing looked up)
        OneInputStreamOperatorTestHarness<SourceRecord, Measurement> keyless = new OneInputStreamOperatorTestHarness<>(
                new OrderGateOperator(HELD_LATENESS, 0, Boundary.sealed(KEYS, KEYS)));
        assertThatThrownBy(() -> keyless.initializeState(snapshot))
                .hasStackTraceContaining("no keys named '" + KEYS + "' were released to this process");
    }

    @Test
    void theSealedKeyedStatesHoldNoReadingInTheClearWhereThePlainOnesDo() throws Exception {
        for (boolean q1 : new boolean[]{true, false}) {
            byte[] plain = bytes(keyedHolding(q1, Boundary.PLAIN));
            byte[] sealed = bytes(keyedHolding(q1, sealedBoundary));
            String which = q1 ? "Q1" : "Q2";
            // Q1 keeps the slice's sum (a long), Q2 the reading's value (an int) in its window log; both the ids
            byte[] value = q1 ? longBytes(VALUE) : ByteBuffer.allocate(4).putInt((int) VALUE).array();
            assertThat(contains(plain, value)).as(which).isTrue();
            assertThat(contains(plain, longBytes(HOUSE))).as(which).isTrue();
            assertThat(contains(sealed, value)).as(which).isFalse();
            assertThat(contains(sealed, longBytes(HOUSE))).as(which).isFalse();
        }
    }

    @Test
    void recordsLeaveABoundaryThatSealsRecordsSealed() throws Exception {
        Measurement m = held(1, 1000);
        TypeSerializer<Measurement> sealedWire = sealedBoundary.sealingRecords().wire(MeasurementTypeInfo.INSTANCE)
                .createSerializer(new ExecutionConfig().getSerializerConfig());
        TypeSerializer<Measurement> plainWire = sealedBoundary.wire(MeasurementTypeInfo.INSTANCE)
                .createSerializer(new ExecutionConfig().getSerializerConfig());
        assertThat(sealedWire).isInstanceOf(SealingSerializer.class);
        try (OneInputStreamOperatorTestHarness<SourceRecord, Measurement> gate = gate(
                new OrderGateOperator(0, 0, sealedBoundary.sealingRecords()), null)) {
            feed(gate, List.of(SourceRecord.sealed(1, sealer.seal(m))));
            Measurement out = Harnesses.<Measurement>values(gate.getOutput()).get(0);
            byte[] sealedBytes = write(sealedWire, out), plainBytes = write(plainWire, out);
            assertThat(contains(plainBytes, longBytes(VALUE))).isTrue(); // left to the transport's encryption
            assertThat(contains(sealedBytes, longBytes(VALUE))).isFalse();
            assertThat(contains(sealedBytes, longBytes(HOUSE))).isFalse();
            assertThat(sealedWire.deserialize(new DataInputDeserializer(sealedBytes))).isEqualTo(m);
        }
    }

    // ---- readings held in state ---------------------------------------------------------------------------

    static final long HELD_LATENESS = 60;

    static Measurement held(long id, long ts) {
        return new Measurement(id, ts, VALUE, Property.LOAD, 3, 1, HOUSE);
    }

    /** A gate's snapshot while it holds two readings (within its lateness of 60 s, nothing is released yet). */
    OperatorSubtaskState gateHolding(Boundary boundary) throws Exception {
        try (OneInputStreamOperatorTestHarness<SourceRecord, Measurement> gate = gate(
                new OrderGateOperator(HELD_LATENESS, 0, boundary), null)) {
            for (Measurement m : List.of(held(1, 1000), held(2, 1010))) {
                gate.processElement(new StreamRecord<>(boundary.isSealed() ? SourceRecord.sealed(m.id(), sealer.seal(m))
                        : SourceRecord.reading(m.id(), m, false)));
            }
            assertThat(gate.getOutput()).isEmpty();
            return gate.snapshot(1, 1);
        }
    }

    /** Q1's or Q2's keyed snapshot after one reading, at parallelism 1. */
    OperatorSubtaskState keyedHolding(boolean q1, Boundary boundary) throws Exception {
        KeyedStages<?> stages = q1
                ? new KeyedStages<>(() -> new LoadForecastOperator(CONFIG.epoch(), CONFIG.sliceSeconds(), boundary),
                new Partitioning.ByHouse(boundary), null)
                : new KeyedStages<>(() -> new PlugMediansOperator(CONFIG.windowSeconds(), boundary),
                new Partitioning.ByPlug(boundary), WindowChangeSerializer.INSTANCE);
        try (KeyedOneInputStreamOperatorTestHarness<Long, Measurement, ?> h = stages.instance(1, 0, null)) {
            h.processWatermark(999);
            h.processElement(new StreamRecord<>(held(1, 1000), 1000));
            return h.snapshot(1, 1);
        }
    }

    static Measurement load(long id, long ts) {
        return new Measurement(id, ts, 1000 * id, Property.LOAD, 0, 0, 7);
    }

    static byte[] longBytes(long v) {
        return ByteBuffer.allocate(8).putLong(v).array();
    }

    static byte[] write(TypeSerializer<Measurement> serializer, Measurement m) throws Exception {
        DataOutputSerializer out = new DataOutputSerializer(64);
        serializer.serialize(m, out);
        return out.getCopyOfBuffer();
    }
}
