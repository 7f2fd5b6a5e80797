package io.gridlet.flink.types;

import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

import java.util.Objects;

/** A type whose serialized form is sealed ({@link SealingSerializer} around the type's own serializer). */
public final class SealedTypeInfo<T> extends OpaqueTypeInfo<T> {
    private static final long serialVersionUID = 1L;

    private final TypeInformation<T> inner;
    private final String ring;

    public SealedTypeInfo(TypeInformation<T> inner, String ring) {
        this.inner = Objects.requireNonNull(inner);
        this.ring = Objects.requireNonNull(ring);
    }

    @Override
    public Class<T> getTypeClass() {
        return inner.getTypeClass();
    }

    @Override
    public TypeSerializer<T> createSerializer(SerializerConfig config) {
        return new SealingSerializer<>(inner.createSerializer(config), ring);
    }

    @Override
    @SuppressWarnings("deprecation")
    public TypeSerializer<T> createSerializer(ExecutionConfig config) {
        return new SealingSerializer<>(inner.createSerializer(config), ring);
    }

    @Override
    public String toString() {
        return "sealed " + inner;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SealedTypeInfo<?> s && inner.equals(s.inner) && ring.equals(s.ring);
    }

    @Override
    public int hashCode() {
        return 31 * inner.hashCode() + ring.hashCode();
    }

    @Override
    public boolean canEqual(Object o) {
        return o instanceof SealedTypeInfo;
    }
}
