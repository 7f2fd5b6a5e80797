package io.gridlet.flink.types;

import io.gridlet.core.model.Measurement;
import io.gridlet.core.model.Property;
import io.gridlet.enclave.keys.KeyRing;
import io.gridlet.enclave.keys.TrustedKeys;
import io.gridlet.enclave.sealing.SealException;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SealingSerializerTest {
    static final String RING = "test-state-" + System.nanoTime();

    @AfterEach
    void forget() {
        TrustedKeys.unregister(RING);
    }

    static byte[] write(TypeSerializer<Measurement> s, Measurement m) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        s.serialize(m, out);
        return out.getCopyOfBuffer();
    }

    static Measurement read(TypeSerializer<Measurement> s, byte[] bytes) throws IOException {
        return s.deserialize(new DataInputDeserializer(bytes));
    }

    static Measurement reading(Random r) {
        return new Measurement(r.nextLong(), 1_377_986_401L + r.nextInt(100_000), r.nextInt(Integer.MAX_VALUE),
                Property.LOAD, r.nextInt(100), r.nextInt(100), r.nextInt(100));
    }

    @Test
    void valuesComeBackAndTheirBytesAreNotInWhatIsWritten() throws IOException {
        TrustedKeys.register(RING, KeyRing.generate());
        SealingSerializer<Measurement> s = new SealingSerializer<>(MeasurementSerializer.INSTANCE, RING);
        Random r = new Random(1);
        for (int i = 0; i < 2_000; i++) {
            Measurement m = reading(r);
            byte[] bytes = write(s, m);
            assertThat(read(s, bytes)).isEqualTo(m);
            assertThat(indexOf(bytes, ByteBuffer.allocate(8).putLong(m.milliValue()).array())).isEqualTo(-1);
            assertThat(indexOf(bytes, ByteBuffer.allocate(8).putLong(m.id()).array())).isEqualTo(-1);
            // copy passes the sealed bytes on unchanged
            DataOutputSerializer copied = new DataOutputSerializer(64);
            s.copy(new DataInputDeserializer(bytes), copied);
            assertThat(copied.getCopyOfBuffer()).isEqualTo(bytes);
        }
    }

    @Test
    void stateWrittenBeforeARotationStillReadsAndNewStateUsesTheNewKey() throws IOException {
        KeyRing ring = KeyRing.generate();
        TrustedKeys.register(RING, ring);
        SealingSerializer<Measurement> s = new SealingSerializer<>(MeasurementSerializer.INSTANCE, RING);
        Measurement m = reading(new Random(2));
        byte[] old = write(s, m);
        int second = ring.rotate();
        byte[] fresh = write(s, m);
        assertThat(fresh[4] & 0xff).isEqualTo(second); // after the length, the key id
        assertThat(read(s, old)).isEqualTo(m);
        assertThat(read(s, fresh)).isEqualTo(m);
        ring.retire(old[4] & 0xff);
        assertThatThrownBy(() -> read(s, old)).isInstanceOfSatisfying(SealException.class,
                e -> assertThat(e.reason()).isEqualTo(SealException.Reason.UNKNOWN_KEY));
    }

    @Test
    void changedStateOrStateOfAnotherRingIsRefused() throws IOException {
        TrustedKeys.register(RING, KeyRing.generate());
        SealingSerializer<Measurement> s = new SealingSerializer<>(MeasurementSerializer.INSTANCE, RING);
        byte[] bytes = write(s, reading(new Random(3)));
        for (int i = 4; i < bytes.length; i++) {
            byte[] changed = bytes.clone();
            changed[i] ^= 1;
            assertThatThrownBy(() -> read(s, changed)).isInstanceOf(SealException.class);
        }
        String other = RING + "-other";
        TrustedKeys.register(other, TrustedKeys.get(RING)); // same keys, another name: another context
        try {
            assertThatThrownBy(() -> read(new SealingSerializer<>(MeasurementSerializer.INSTANCE, other), bytes))
                    .isInstanceOfSatisfying(SealException.class,
                            e -> assertThat(e.reason()).isEqualTo(SealException.Reason.TAMPERED));
        } finally {
            TrustedKeys.unregister(other);
        }
    }

    @Test
    void withoutReleasedKeysNothingIsReadOrWrittenAndTheErrorSaysWhy() {
        SealingSerializer<Measurement> s = new SealingSerializer<>(MeasurementSerializer.INSTANCE, RING);
        assertThatThrownBy(() -> write(s, reading(new Random(4))))
                .hasMessageContaining("no keys named '" + RING + "' were released to this process");
    }

    @Test
    void theSnapshotRecordsTheRingsNameNotItsKeysAndRestoresACompatibleSerializer() throws IOException {
        KeyRing ring = KeyRing.generate();
        TrustedKeys.register(RING, ring);
        SealingSerializer<String> s = new SealingSerializer<>(StringSerializer.INSTANCE, RING);
        DataOutputSerializer out = new DataOutputSerializer(256);
        TypeSerializerSnapshot.writeVersionedSnapshot(out, s.snapshotConfiguration());
        byte[] snapshot = out.getCopyOfBuffer();
        assertThat(new String(snapshot, java.nio.charset.StandardCharsets.ISO_8859_1)).contains(RING);
        TypeSerializerSnapshot<String> read = TypeSerializerSnapshot.readVersionedSnapshot(
                new DataInputDeserializer(snapshot), getClass().getClassLoader());
        TypeSerializer<String> restored = read.restoreSerializer();
        assertThat(restored).isEqualTo(s);
        TypeSerializerSchemaCompatibility<String> compat =
                s.snapshotConfiguration().resolveSchemaCompatibility(read);
        assertThat(compat.isCompatibleAsIs()).isTrue();
        TypeSerializerSchemaCompatibility<String> otherRing = new SealingSerializer<>(StringSerializer.INSTANCE,
                "another").snapshotConfiguration().resolveSchemaCompatibility(read);
        assertThat(otherRing.isIncompatible()).isTrue();
        // a value written before the snapshot reads with the restored serializer
        DataOutputSerializer v = new DataOutputSerializer(64);
        s.serialize("a household's reading", v);
        assertThat(restored.deserialize(new DataInputDeserializer(v.getCopyOfBuffer())))
                .isEqualTo("a household's reading");
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
