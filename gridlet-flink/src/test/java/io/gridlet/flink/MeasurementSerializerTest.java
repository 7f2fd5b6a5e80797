package io.gridlet.flink;

import io.gridlet.core.model.Measurement;
import io.gridlet.core.model.Property;
import io.gridlet.flink.types.MeasurementSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class MeasurementSerializerTest {

    @Test
    void roundTripsExtremeValuesInItsFixedLength() throws Exception {
        Measurement[] readings = {
                new Measurement(-1L, 4294967295L, Measurement.MAX_LOAD_MILLIWATTS, Property.LOAD, 4294967295L,
                        4294967295L, 4294967295L),
                new Measurement(0, 0, Long.MIN_VALUE, Property.WORK, 0, 0, 0)};
        DataOutputSerializer out = new DataOutputSerializer(64);
        for (Measurement m : readings) MeasurementSerializer.INSTANCE.serialize(m, out);
        assertThat(out.length()).isEqualTo(2 * MeasurementSerializer.INSTANCE.getLength());
        DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
        for (Measurement m : readings) assertThat(MeasurementSerializer.INSTANCE.deserialize(in)).isEqualTo(m);
        assertThat(MeasurementSerializer.INSTANCE.snapshotConfiguration().restoreSerializer())
                .isSameAs(MeasurementSerializer.INSTANCE);
    }
}
