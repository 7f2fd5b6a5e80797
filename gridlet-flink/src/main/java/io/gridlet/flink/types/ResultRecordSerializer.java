package io.gridlet.flink.types;

import io.gridlet.flink.operators.ResultRecord;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

import java.io.IOException;

/**
 * A result line between tasks in its own binary form ({@link ResultRecord#writeTo}), without reflection. Results
 * are immutable, so copying is returning the same object.
 */
public final class ResultRecordSerializer extends ImmutableSerializer<ResultRecord> {
    public static final ResultRecordSerializer INSTANCE = new ResultRecordSerializer();

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(ResultRecord r, DataOutputView out) throws IOException {
        r.writeTo(out);
    }

    @Override
    public ResultRecord deserialize(DataInputView in) throws IOException {
        return ResultRecord.readFrom(in);
    }

    @Override
    public void copy(DataInputView in, DataOutputView out) throws IOException {
        serialize(deserialize(in), out);
    }

    @Override
    public TypeSerializerSnapshot<ResultRecord> snapshotConfiguration() {
        return new Snapshot();
    }

    /** The serializer has no configuration: any version restores to {@link #INSTANCE}. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<ResultRecord> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
