package io.gridlet.enclave.sealing;


import io.gridlet.core.model.Measurement;
import io.gridlet.core.model.Property;
import io.gridlet.enclave.keys.KeyRing;
import io.gridlet.enclave.keys.Pseudonyms;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

public class SealerTest {
    static final byte[] ROUTING = bytes(32, 1);

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

    static byte[] binary(SealedReading s) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        s.writeTo(new DataOutputStream(b));
        return b.toByteArray();
    }

    static SealedReading parse(byte[] b) throws IOException {
        return SealedReading.readFrom(new DataInputStream(new ByteArrayInputStream(b)));
    }

    @Test
    void theClearTimestampReadsFromTheBinaryFormWithoutOpening() throws Exception {
        Sealer sealer = new Sealer(KeyRing.generate(), new Pseudonyms(ROUTING));
        io.gridlet.core.model.Measurement m = new io.gridlet.core.model.Measurement(7, 1_377_986_789L, 1234,
                io.gridlet.core.model.Property.LOAD, 1, 2, 3);
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        sealer.seal(m).writeTo(new java.io.DataOutputStream(bytes));
        org.assertj.core.api.Assertions.assertThat(SealedReading.clearTimestamp(bytes.toByteArray()))
                .isEqualTo(1_377_986_789L);
        org.assertj.core.api.Assertions.assertThat(SealedReading.clearTimestamp(new byte[] {1, 2, 3})).isEqualTo(-1);
    }

    @Test
    void everyReadingComesBackExactlyAndItsValuesAreNotInTheSealedBytes() throws IOException {
        Sealer sealer = new Sealer(KeyRing.generate(), new Pseudonyms(ROUTING));
        Random r = new Random(2014);
        for (int i = 0; i < 10_000; i++) {
            Measurement m = random(r);
            SealedReading s = sealer.seal(m);
            byte[] wire = binary(s);
            assertThat(parse(wire)).isEqualTo(s);
            assertThat(sealer.open(parse(wire))).isEqualTo(m);
            for (long secret : new long[]{m.id(), m.milliValue(), m.houseId() << 32 | m.householdId()}) {
                assertThat(indexOf(wire, ByteBuffer.allocate(8).putLong(secret).array())).isEqualTo(-1);
            }
        }
    }

    @Test
    void anyChangedByteIsRefusedNeverOpenedToAnotherReading() throws IOException {
        Sealer sealer = new Sealer(KeyRing.generate(), new Pseudonyms(ROUTING));
        Measurement m = random(new Random(5));
        byte[] wire = binary(sealer.seal(m));
        for (int i = 0; i < wire.length; i++) {
            for (int bit = 0; bit < 8; bit++) {
                byte[] changed = wire.clone();
                changed[i] ^= (byte) (1 << bit);
                try {
                    Measurement opened = sealer.open(parse(changed));
                    throw new AssertionError("byte " + i + " bit " + bit + " changed and it opened: " + opened);
                } catch (SealException | EOFException expected) {
                    // refused
                }
            }
        }
    }

    @Test
    void keysRotateWithoutLosingWhatWasSealedAndARetiredOrForeignKeyOpensNothing() {
        KeyRing ring = KeyRing.generate();
        Sealer sealer = new Sealer(ring, new Pseudonyms(ROUTING));
        Measurement a = random(new Random(1));
        Measurement b = random(new Random(2));
        SealedReading underFirst = sealer.seal(a);
        int second = ring.rotate();
        SealedReading underSecond = sealer.seal(b);
        assertThat(underSecond.keyId()).isEqualTo(second).isNotEqualTo(underFirst.keyId());
        assertThat(sealer.open(underFirst)).isEqualTo(a);
        assertThat(sealer.open(underSecond)).isEqualTo(b);
        assertThatThrownBy(() -> ring.retire(second)).hasMessageContaining("current");
        ring.retire(underFirst.keyId());
        assertThatThrownBy(() -> sealer.open(underFirst)).isInstanceOfSatisfying(SealException.class,
                e -> assertThat(e.reason()).isEqualTo(SealException.Reason.UNKNOWN_KEY));

        Sealer other = new Sealer(KeyRing.of(Map.of(second, bytes(32, 99))), new Pseudonyms(ROUTING));
        assertThatThrownBy(() -> other.open(underSecond)).isInstanceOfSatisfying(SealException.class,
                e -> assertThat(e.reason()).isEqualTo(SealException.Reason.TAMPERED));
    }

    @Test
    void aReadingSealedWithAnotherRoutingKeyIsMisrouted() {
        KeyRing ring = KeyRing.of(Map.of(1, bytes(32, 3)));
        Sealer producer = new Sealer(ring, new Pseudonyms(bytes(32, 4)));
        Sealer inside = new Sealer(ring, new Pseudonyms(ROUTING));
        assertThatThrownBy(() -> inside.open(producer.seal(random(new Random(9)))))
                .isInstanceOfSatisfying(SealException.class,
                        e -> assertThat(e.reason()).isEqualTo(SealException.Reason.MISROUTED));
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
