package io.gridlet.flink.types;

import io.gridlet.flink.operators.WindowChangeRecord;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

import java.io.IOException;

/**
 * A Q2 window change between the per-plug stage and the global stage, in its own binary form
 * ({@link WindowChangeRecord#writeTo}) rather than through Kryo: a record of arrays is no POJO to Flink. Changes
 * are never modified once made, so copying is returning the same object.
 */
public final class WindowChangeSerializer extends ImmutableSerializer<WindowChangeRecord> {
    public static final WindowChangeSerializer INSTANCE = new WindowChangeSerializer();

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(WindowChangeRecord change, DataOutputView out) throws IOException {
        change.writeTo(out);
    }

    @Override
    public WindowChangeRecord deserialize(DataInputView in) throws IOException {
        return WindowChangeRecord.readFrom(in);
    }

    @Override
    public void copy(DataInputView in, DataOutputView out) throws IOException {
        serialize(deserialize(in), out);
    }

    @Override
    public TypeSerializerSnapshot<WindowChangeRecord> snapshotConfiguration() {
        return new Snapshot();
    }

    /** The serializer has no configuration: any version restores to {@link #INSTANCE}. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<WindowChangeRecord> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
