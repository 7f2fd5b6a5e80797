package io.gridlet.flink.types;

import io.gridlet.core.model.Measurement;

/** Flink's type information for {@link Measurement}: serialized by {@link MeasurementSerializer}. */
public final class MeasurementTypeInfo extends SingletonTypeInfo<Measurement> {
    public static final MeasurementTypeInfo INSTANCE = new MeasurementTypeInfo();

    private MeasurementTypeInfo() {
        super(Measurement.class, MeasurementSerializer.INSTANCE);
    }
}
