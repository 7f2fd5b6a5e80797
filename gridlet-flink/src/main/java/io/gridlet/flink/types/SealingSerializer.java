package io.gridlet.flink.types;

import io.gridlet.enclave.keys.TrustedKeys;
import io.gridlet.enclave.sealing.StateCipher;
import org.apache.flink.api.common.typeutils.CompositeTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.core.memory.DataOutputView;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Wraps any serializer so that what it writes is sealed: the inner serializer's bytes, AES-256-GCM under the
 * current key of a ring released to this process ({@link TrustedKeys}, by name), the ring's name as associated
 * data; written as a length and the sealed bytes. Used for state (so checkpoints, savepoints and RocksDB hold
 * ciphertext) and for records between tasks. Keys rotate without losing state: each value names its key, and
 * values sealed under an older key open as long as the ring still has it; they are re-sealed under the current
 * key when next written.
 *
 * <p>The snapshot records the ring's name and the inner serializer's snapshot, never a key: restoring needs the
 * runtime to have been released the keys again.
 */
public final class SealingSerializer<T> extends TypeSerializer<T> {
    private static final long serialVersionUID = 1L;

    private final TypeSerializer<T> inner;
    private final String ring;
    private transient StateCipher cipher;
    private transient DataOutputSerializer buffer;

    public SealingSerializer(TypeSerializer<T> inner, String ring) {
        this.inner = Objects.requireNonNull(inner);
        this.ring = Objects.requireNonNull(ring);
    }

    public TypeSerializer<T> inner() {
        return inner;
    }

    public String ring() {
        return ring;
    }

    private StateCipher cipher() {
        if (cipher == null) cipher = new StateCipher(TrustedKeys.get(ring));
        return cipher;
    }

    @Override
    public boolean isImmutableType() {
        return inner.isImmutableType();
    }

    @Override
    public TypeSerializer<T> duplicate() {
        TypeSerializer<T> d = inner.duplicate();
        return d == inner ? this : new SealingSerializer<>(d, ring);
    }

    @Override
    public T createInstance() {
        return inner.createInstance();
    }

    @Override
    public T copy(T from) {
        return inner.copy(from);
    }

    @Override
    public T copy(T from, T reuse) {
        return inner.copy(from, reuse);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(T record, DataOutputView target) throws IOException {
        if (buffer == null) buffer = new DataOutputSerializer(128);
        buffer.clear();
        inner.serialize(record, buffer);
        byte[] sealed = cipher().seal(buffer.getCopyOfBuffer(), ring.getBytes(StandardCharsets.UTF_8));
        target.writeInt(sealed.length);
        target.write(sealed);
    }

    @Override
    public T deserialize(DataInputView source) throws IOException {
        return inner.deserialize(new DataInputDeserializer(open(source)));
    }

    @Override
    public T deserialize(T reuse, DataInputView source) throws IOException {
        return inner.deserialize(reuse, new DataInputDeserializer(open(source)));
    }

    private byte[] open(DataInputView source) throws IOException {
        int n = source.readInt();
        if (n < 0 || n > (64 << 20)) throw new IOException("sealed value of " + n + " bytes");
        byte[] sealed = new byte[n];
        source.readFully(sealed);
        return cipher().open(sealed, ring.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        int n = source.readInt();
        if (n < 0 || n > (64 << 20)) throw new IOException("sealed value of " + n + " bytes");
        byte[] sealed = new byte[n];
        source.readFully(sealed);
        target.writeInt(n);
        target.write(sealed);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SealingSerializer<?> s && inner.equals(s.inner) && ring.equals(s.ring);
    }

    @Override
    public int hashCode() {
        return 31 * inner.hashCode() + ring.hashCode();
    }

    @Override
    public TypeSerializerSnapshot<T> snapshotConfiguration() {
        return new Snapshot<>(this);
    }

    /** The ring's name (outer configuration) and the inner serializer's snapshot. */
    public static final class Snapshot<T> extends CompositeTypeSerializerSnapshot<T, SealingSerializer<T>> {
        private String ring;

        /** For reading. */
        public Snapshot() {
        }

        Snapshot(SealingSerializer<T> serializer) {
            super(serializer);
            this.ring = serializer.ring;
        }

        @Override
        protected int getCurrentOuterSnapshotVersion() {
            return 1;
        }

        @Override
        protected void writeOuterSnapshot(DataOutputView out) throws IOException {
            out.writeUTF(ring);
        }

        @Override
        protected void readOuterSnapshot(int version, DataInputView in, ClassLoader loader) throws IOException {
            ring = in.readUTF();
        }

        @Override
        protected OuterSchemaCompatibility resolveOuterSchemaCompatibility(
                TypeSerializerSnapshot<T> oldSnapshot) {
            return oldSnapshot instanceof Snapshot<?> s && ring.equals(s.ring)
                    ? OuterSchemaCompatibility.COMPATIBLE_AS_IS : OuterSchemaCompatibility.INCOMPATIBLE;
        }

        @Override
        protected TypeSerializer<?>[] getNestedSerializers(SealingSerializer<T> outer) {
            return new TypeSerializer<?>[]{outer.inner};
        }

        @Override
        @SuppressWarnings("unchecked")
        protected SealingSerializer<T> createOuterSerializerWithNestedSerializers(TypeSerializer<?>[] nested) {
            return new SealingSerializer<>((TypeSerializer<T>) nested[0], ring);
        }
    }
}
