package io.gridlet.flink.types;

import io.gridlet.core.model.Measurement;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/** Flink's type information for {@link Measurement}: serialized by {@link MeasurementSerializer}. */
public final class MeasurementTypeInfo extends TypeInformation<Measurement> {
    public static final MeasurementTypeInfo INSTANCE = new MeasurementTypeInfo();

    @Override
    public boolean isBasicType() {
        return false;
    }

    @Override
    public boolean isTupleType() {
        return false;
    }

    @Override
    public int getArity() {
        return 1;
    }

    @Override
    public int getTotalFields() {
        return 1;
    }

    @Override
    public Class<Measurement> getTypeClass() {
        return Measurement.class;
    }

    @Override
    public boolean isKeyType() {
        return false;
    }

    @Override
    public TypeSerializer<Measurement> createSerializer(SerializerConfig config) {
        return MeasurementSerializer.INSTANCE;
    }

    @Override
    @SuppressWarnings("deprecation")
    public TypeSerializer<Measurement> createSerializer(ExecutionConfig config) {
        return MeasurementSerializer.INSTANCE;
    }

    @Override
    public String toString() {
        return "Measurement";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MeasurementTypeInfo;
    }

    @Override
    public int hashCode() {
        return MeasurementTypeInfo.class.hashCode();
    }

    @Override
    public boolean canEqual(Object o) {
        return o instanceof MeasurementTypeInfo;
    }
}
