package io.gridlet.enclave.sealing;

import io.gridlet.core.model.HouseSet;
import io.gridlet.core.model.Measurement;
import io.gridlet.core.model.Property;
import io.gridlet.enclave.keys.MeterKeyFile;
import io.gridlet.enclave.keys.Pseudonyms;
import io.gridlet.enclave.keys.ReadingKeys;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Meters seal readings to the boundary (HPKE auth mode, one key per meter epoch, counter nonces); only the boundary
 * opens them, only as the meter that sealed them, only for its houses; replays are told apart by the guard.
 */
public class MeterSealingTest {
    static final byte[] ROUTING = bytes(32, 1);
    static final ReadingKeys OWNER = ReadingKeys.generate();

    public static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    public static Measurement random(Random r) {
        boolean load = r.nextBoolean();
        return new Measurement(r.nextLong(), 1_377_986_401L + r.nextInt(1_000_000),
                load ? r.nextInt(Integer.MAX_VALUE) : Math.abs(r.nextLong() >> 8), load ? Property.LOAD : Property.WORK,
                r.nextInt(1000), r.nextInt(1000), r.nextInt(1000));
    }

    /** A meter's sealer, as it would get it from the owner's keys ({@code gridlet keys meter NAME}). */
    public static MeterSealer meter(ReadingKeys owner, String name, String houses, long epoch) {
        MeterIdentity id = new MeterIdentity(name, HouseSet.parse(houses));
        return new MeterSealer(id, owner.meters().keyPair(id), ReadingSuite.publicKey(owner.ingestPublic()), epoch);
    }

    static byte[] binary(SealedBlock s) {
        return s.toBytes();
    }

    static SealedBlock parse(byte[] b) throws IOException {
        return SealedBlock.readFrom(new DataInputStream(new ByteArrayInputStream(b)));
    }

    @Test
    void theClearTimestampAndMeterReadFromTheBinaryFormWithoutOpening() throws Exception {
        MeterSealer sealer = meter(OWNER, "meter-7", "*", 1);
        byte[] bytes = binary(sealer.seal(new Measurement(7, 1_377_986_789L, 1234, Property.LOAD, 1, 2, 3)));
        assertThat(SealedBlock.clearTimestamp(bytes)).isEqualTo(1_377_986_789L);
        assertThat(SealedBlock.clearMeterName(bytes)).isEqualTo("meter-7");
        assertThat(SealedBlock.clearTimestamp(new byte[] {2, 3})).isEqualTo(-1);
        assertThat(SealedBlock.clearTimestamp(new byte[] {1, 2, 3})).isEqualTo(-1);
        assertThat(SealedBlock.clearMeterName(new byte[] {2, 100, 0})).isNull();
    }

    @Test
    void everyReadingComesBackExactlyInOrderAndItsValuesAreNotInTheSealedBytes() throws IOException {
        MeterSealer sealer = meter(OWNER, "m", "*", 1_700_000_000_000L);
        ReadingOpener boundary = OWNER.opener();
        Random r = new Random(2014);
        for (int i = 1; i <= 5_000; i++) {
            Measurement m = random(r);
            SealedBlock s = sealer.seal(m);
            byte[] wire = binary(s);
            assertThat(parse(wire)).isEqualTo(s);
            ReadingOpener.Opened o = boundary.open(parse(wire)).get(0);
            assertThat(o.reading()).isEqualTo(m);
            assertThat(o.meter().name()).isEqualTo("m");
            assertThat(o.epoch()).isEqualTo(1_700_000_000_000L);
            assertThat(o.seq()).isEqualTo(i);
            for (long secret : new long[] {m.id(), m.milliValue(), m.houseId() << 32 | m.householdId()}) {
                assertThat(indexOf(wire, ByteBuffer.allocate(8).putLong(secret).array())).isEqualTo(-1);
            }
        }
    }

    @Test
    void aBlockOpensWholeInOrderNumberedAfterTheReadingsBeforeItAndOnlyAsSealed() throws IOException {
        MeterSealer sealer = meter(OWNER, "m", "1-5", 1);
        Random r = new Random(99);
        List<Measurement> readings = new ArrayList<>();
        for (int i = 0; i < SealedBlock.MAX_READINGS + 1; i++) {
            Measurement m = random(r);
            readings.add(new Measurement(m.id(), m.timestamp(), m.milliValue(), m.property(), m.plugId(),
                    m.householdId(), 1 + i % 5));
        }
        assertThatThrownBy(() -> sealer.seal(List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> sealer.seal(readings)).hasMessageContaining("1 to 1024 readings");
        List<Measurement> foreign = new ArrayList<>(readings.subList(0, 3));
        foreign.add(new Measurement(1, 1_377_986_401L, 100, Property.LOAD, 0, 0, 9));
        assertThatThrownBy(() -> sealer.seal(foreign)).hasMessageContaining("house 9 is not one of m's houses");

        ReadingOpener boundary = OWNER.opener();
        ReplayGuard guard = new ReplayGuard();
        long seq = 1; // (the refused blocks above took no numbers)
        int from = 0;
        for (int size : new int[] {SealedReadingFile.BLOCK, 1, SealedBlock.MAX_READINGS - SealedReadingFile.BLOCK}) {
            List<Measurement> block = readings.subList(from, from + size);
            byte[] wire = binary(sealer.seal(block));
            assertThat(SealedBlock.clearCount(wire)).isEqualTo(size);
            assertThat(SealedBlock.clearTimestamp(wire)).isEqualTo(size == 1 ? block.get(0).timestamp() : -1);
            List<ReadingOpener.Opened> opened = boundary.open(parse(wire));
            assertThat(opened).extracting(ReadingOpener.Opened::reading).containsExactlyElementsOf(block);
            for (ReadingOpener.Opened o : opened) {
                assertThat(o.seq()).isEqualTo(seq++);
                assertThat(guard.check(o)).isEqualTo(ReplayGuard.Verdict.FRESH);
            }
            assertThat(boundary.open(parse(wire))).allSatisfy(o -> assertThat(guard.check(o))
                    .as("the block sent again").isEqualTo(ReplayGuard.Verdict.REPLAYED));
            if (size > 1) { // the clear timestamps of two readings swapped, or a byte of the ciphertext changed
                SealedBlock s = parse(wire);
                long[] swapped = s.timestamps().clone();
                swapped[0] = s.timestamps()[1];
                swapped[1] = s.timestamps()[0];
                byte[] flipped = s.ciphertext().clone();
                flipped[Measurement.BINARY_LENGTH + 3] ^= 1;
                for (SealedBlock changed : List.of(new SealedBlock(s.meter(), s.epoch(), s.enc(), s.seq(), swapped,
                        s.ciphertext()), new SealedBlock(s.meter(), s.epoch(), s.enc(), s.seq(), s.timestamps(),
                        flipped), new SealedBlock(s.meter(), s.epoch(), s.enc(), s.seq() + 1, s.timestamps(),
                        s.ciphertext()))) {
                    assertThatThrownBy(() -> boundary.open(changed)).isInstanceOfSatisfying(SealException.class,
                            e -> assertThat(e.reason()).isEqualTo(SealException.Reason.TAMPERED));
                }
            }
            from += size;
        }
    }

    @Test
    void anyChangedByteIsRefusedNeverOpenedToAnotherReading() throws IOException {
        byte[] wire = binary(meter(OWNER, "m", "*", 1).seal(random(new Random(5))));
        for (int i = 0; i < wire.length; i++) {
            for (int bit = 0; bit < 8; bit++) {
                byte[] changed = wire.clone();
                changed[i] ^= (byte) (1 << bit);
                try {
                    ReadingOpener.Opened opened = OWNER.opener().open(parse(changed)).get(0);
                    throw new AssertionError("byte " + i + " bit " + bit + " changed and it opened: " + opened);
                } catch (SealException | EOFException | IllegalArgumentException expected) {
                    // refused
                }
            }
        }
    }

    @Test
    void aMeterCannotSealAsAnotherMeterNorForMoreHousesNorToAnotherOwnersBoundary() {
        MeterIdentity mine = new MeterIdentity("meter-1", HouseSet.parse("1-5"));
        MeterSealer honest = new MeterSealer(mine, OWNER.meters().keyPair(mine),
                ReadingSuite.publicKey(OWNER.ingestPublic()), 1);
        Measurement ofHouse3 = new Measurement(1, 1_377_986_401L, 100, Property.LOAD, 0, 0, 3);
        assertThat(OWNER.opener().open(honest.seal(ofHouse3)).get(0).reading()).isEqualTo(ofHouse3);

        // meter-1's key, claiming to be meter-2, or to own every house: the boundary derives another key
        for (MeterIdentity claimed : new MeterIdentity[] {new MeterIdentity("meter-2", HouseSet.parse("1-5")),
                new MeterIdentity("meter-1", HouseSet.ALL)}) {
            MeterSealer forger = new MeterSealer(claimed, OWNER.meters().keyPair(mine),
                    ReadingSuite.publicKey(OWNER.ingestPublic()), 1);
            assertThatThrownBy(() -> OWNER.opener().open(forger.seal(ofHouse3)))
                    .isInstanceOfSatisfying(SealException.class,
                            e -> assertThat(e.reason()).isEqualTo(SealException.Reason.TAMPERED));
        }
        // a reading of a house the meter does not own: the honest sealer refuses, and a sealer that did not check
        Measurement ofHouse9 = new Measurement(2, 1_377_986_401L, 100, Property.LOAD, 0, 0, 9);
        assertThatThrownBy(() -> honest.seal(ofHouse9)).hasMessageContaining("not one of meter-1's houses");
        // a modified meter that seals it anyway, with its own key and identity: opens, and is refused NOT_OWNED
        ReadingSuite.Sending sending = ReadingSuite.send(ReadingSuite.publicKey(OWNER.ingestPublic()),
                OWNER.meters().keyPair(mine), mine.text(), 1);
        ByteBuffer plain = ByteBuffer.allocate(Measurement.BINARY_LENGTH);
        ofHouse9.writeTo(plain);
        SealedBlock clear = new SealedBlock(mine.text(), 1, sending.enc(), 1, new long[] {ofHouse9.timestamp()},
                new byte[SealedBlock.ciphertextLength(1)]);
        SealedBlock hostile = new SealedBlock(mine.text(), 1, sending.enc(), 1, new long[] {ofHouse9.timestamp()},
                Aead.seal(sending.key(), ReadingSuite.nonce(1), clear.header(), plain.array()));
        assertThatThrownBy(() -> OWNER.opener().open(hostile)).isInstanceOfSatisfying(SealException.class,
                e -> assertThat(e.reason()).isEqualTo(SealException.Reason.NOT_OWNED));
        // sealed to another owner's boundary: this one cannot open it
        ReadingKeys other = ReadingKeys.generate();
        assertThatThrownBy(() -> other.opener().open(honest.seal(ofHouse3))).isInstanceOfSatisfying(
                SealException.class, e -> assertThat(e.reason()).isEqualTo(SealException.Reason.TAMPERED));
    }

    @Test
    void aMetersKeyFileHoldsNoKeyThatOpensAnything(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws IOException {
        MeterIdentity id = new MeterIdentity("meter-1", HouseSet.parse("1-5"));
        var pair = OWNER.meters().keyPair(id);
        MeterKeyFile file = new MeterKeyFile(id, ReadingSuite.privateBytes(pair), ReadingSuite.publicBytes(pair),
                OWNER.ingestPublic());
        java.nio.file.Path path = dir.resolve("meter-1.keys");
        file.write(path);
        byte[] text = java.nio.file.Files.readAllBytes(path);
        for (byte[] secret : new byte[][] {OWNER.ingestPrivate(), OWNER.meterMaster()}) {
            String b64 = java.util.Base64.getEncoder().encodeToString(secret);
            assertThat(new String(text, java.nio.charset.StandardCharsets.US_ASCII)).doesNotContain(b64);
        }
        MeterKeyFile read = MeterKeyFile.read(path);
        SealedBlock s = read.sealer().seal(new Measurement(1, 1_377_986_401L, 100, Property.LOAD, 0, 0, 3));
        assertThat(OWNER.opener().open(s).get(0).meter()).isEqualTo(id);
        // the meter's private key in the boundary's place opens nothing (HPKE: only the ingest key decapsulates)
        ReadingOpener withMeterKey = new ReadingOpener(ReadingSuite.keyPair(read.meterPrivate(), read.meterPublic()),
                OWNER.meters()::publicKey);
        assertThatThrownBy(() -> withMeterKey.open(s)).isInstanceOf(SealException.class);
        assertThatThrownBy(() -> MeterKeyFile.read(dir)).hasMessageContaining("is a directory");
    }

    @Test
    void theGuardRefusesAReplayAnOlderEpochAndRestoresItsMarks() {
        MeterSealer first = meter(OWNER, "m", "*", 1000);
        ReadingOpener boundary = OWNER.opener();
        ReplayGuard guard = new ReplayGuard();
        SealedBlock a = first.seal(random(new Random(1)));
        SealedBlock b = first.seal(random(new Random(2)));
        assertThat(guard.admit(boundary.open(a).get(0))).isTrue();
        assertThat(guard.admit(boundary.open(a).get(0))).as("a sent again").isFalse();
        assertThat(guard.admit(boundary.open(b).get(0))).isTrue();
        byte[] snapshot = guard.snapshot();
        MeterSealer restarted = meter(OWNER, "m", "*", 2000);
        SealedBlock c = restarted.seal(random(new Random(3)));
        assertThat(guard.admit(boundary.open(c).get(0))).as("a later epoch starts again at 1").isTrue();
        assertThat(guard.admit(boundary.open(first.seal(random(new Random(4)))).get(0)))
                .as("the earlier epoch, after the later one").isFalse();
        ReplayGuard restored = new ReplayGuard();
        restored.restore(snapshot);
        assertThat(restored.admit(boundary.open(b).get(0))).isFalse();
        assertThat(restored.admit(boundary.open(c).get(0))).isTrue();
        assertThat(meter(OWNER, "other", "*", 1).seal(random(new Random(5)))).satisfies(
                s -> assertThat(restored.admit(boundary.open(s).get(0))).isTrue());
        assertThatThrownBy(() -> restored.restore(new byte[] {9})).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aFutureEpochIsRefusedAndMarksAreKeptPerIdentity() {
        long now = 1_700_000_000_000L;
        ReplayGuard guard = new ReplayGuard(() -> now);
        ReadingOpener boundary = OWNER.opener();
        SealedBlock ahead = meter(OWNER, "m", "*", now + ReplayGuard.EPOCH_SKEW_MILLIS + 1).seal(random(new Random(1)));
        assertThat(guard.check(boundary.open(ahead).get(0))).isEqualTo(ReplayGuard.Verdict.FUTURE_EPOCH);
        SealedBlock skewed = meter(OWNER, "m", "*", now + ReplayGuard.EPOCH_SKEW_MILLIS).seal(random(new Random(2)));
        assertThat(guard.check(boundary.open(skewed).get(0))).isEqualTo(ReplayGuard.Verdict.FRESH);
        // keys made again for the same name with other houses: another identity, its own mark
        Measurement ofHouse3 = new Measurement(1, 1_377_986_401L, 100, Property.LOAD, 0, 0, 3);
        SealedBlock other = meter(OWNER, "m", "1-5", now - 1).seal(ofHouse3);
        assertThat(guard.check(boundary.open(other).get(0))).isEqualTo(ReplayGuard.Verdict.FRESH);
        assertThat(guard.meters()).isEqualTo(2);
    }

    @Test
    void identityBytesThatAreNotAsciiAndADamagedKeyFileAreRefusedAsSuch(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws IOException {
        byte[] wire = binary(meter(OWNER, "m", "*", 1).seal(random(new Random(5))));
        byte[] hostile = wire.clone();
        hostile[2] = (byte) 0xFF; // the identity's first byte
        assertThatThrownBy(() -> parse(hostile)).isInstanceOfSatisfying(SealException.class,
                e -> assertThat(e.reason()).isEqualTo(SealException.Reason.MALFORMED));
        assertThat(SealedBlock.clearMeterName(hostile)).isNotNull(); // reading the clear fields never throws

        MeterIdentity id = new MeterIdentity("meter-1", HouseSet.ALL);
        var pair = OWNER.meters().keyPair(id);
        var other = OWNER.meters().keyPair(new MeterIdentity("meter-2", HouseSet.ALL));
        java.nio.file.Path path = dir.resolve("damaged.keys");
        new MeterKeyFile(id, ReadingSuite.privateBytes(pair), ReadingSuite.publicBytes(other), OWNER.ingestPublic())
                .write(path);
        assertThatThrownBy(() -> MeterKeyFile.read(path)).hasMessageContaining("is not meter-private's public key");
    }

    @Test
    void pseudonymsAreStablePerIdDistinctAcrossIdsAndFieldsAndKeyed() {
        Pseudonyms p = new Pseudonyms(ROUTING);
        Set<Long> seen = new HashSet<>();
        for (long house = 0; house < 100; house++) {
            assertThat(p.house(house)).isEqualTo(new Pseudonyms(ROUTING).house(house));
            assertThat(seen.add(p.house(house))).isTrue();
            for (long household = 0; household < 20; household++) {
                assertThat(seen.add(p.household(house, household))).isTrue();
                for (long plug = 0; plug < 5; plug++) assertThat(seen.add(p.plug(house, household, plug))).isTrue();
            }
        }
        assertThat(new Pseudonyms(bytes(32, 2)).house(7)).isNotEqualTo(p.house(7));
        assertThatThrownBy(() -> new Pseudonyms(new byte[16])).hasMessageContaining("at least 32 bytes");
    }

    static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return i;
        }
        return -1;
    }
}
