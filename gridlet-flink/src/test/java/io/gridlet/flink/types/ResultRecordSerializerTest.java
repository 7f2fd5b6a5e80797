package io.gridlet.flink.types;

import io.gridlet.flink.operators.ResultRecord;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ResultRecordSerializerTest {

    @Test
    void roundTripsResultsAndCopiesTheirBytes() throws Exception {
        List<ResultRecord> results = List.of(
                new ResultRecord("q1-plug-60.csv", 1377986460, 4294967295L, 0, 7, "1377986460,4294967295,0,7,12.500"),
                new ResultRecord("q2-3600.csv", Long.MIN_VALUE, -1, Long.MAX_VALUE, 0, ""),
                new ResultRecord("", 0, 0, 0, 0, "é".repeat(100)));
        DataOutputSerializer out = new DataOutputSerializer(64);
        for (ResultRecord r : results) ResultRecordSerializer.INSTANCE.serialize(r, out);
        DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
        DataOutputSerializer copied = new DataOutputSerializer(64);
        for (int i = 0; i < results.size(); i++) ResultRecordSerializer.INSTANCE.copy(in, copied);
        assertThat(copied.getCopyOfBuffer()).isEqualTo(out.getCopyOfBuffer());
        in = new DataInputDeserializer(out.getCopyOfBuffer());
        for (ResultRecord r : results) assertThat(ResultRecordSerializer.INSTANCE.deserialize(in)).isEqualTo(r);
        assertThat(in.available()).isZero();
        assertThat(ResultRecordSerializer.INSTANCE.snapshotConfiguration().restoreSerializer())
                .isSameAs(ResultRecordSerializer.INSTANCE);
    }

    @Test
    void refusesStringsLongerThanTheBound() throws Exception {
        ResultRecord huge = new ResultRecord("f", 0, 0, 0, 0, "x".repeat(ResultRecord.MAX_STRING_BYTES + 1));
        assertThatThrownBy(() -> ResultRecordSerializer.INSTANCE.serialize(huge, new DataOutputSerializer(64)))
                .isInstanceOf(IOException.class);
        DataOutputSerializer forged = new DataOutputSerializer(16);
        forged.writeShort(ResultRecord.MAX_STRING_BYTES + 1);
        assertThatThrownBy(() -> ResultRecordSerializer.INSTANCE.deserialize(
                new DataInputDeserializer(forged.getCopyOfBuffer()))).isInstanceOf(IOException.class);
    }
}
