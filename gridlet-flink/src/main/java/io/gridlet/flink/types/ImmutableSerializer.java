package io.gridlet.flink.types;

import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;

import java.io.IOException;

/**
 * A hand-written serializer of an immutable type: nothing to create or reuse, copying is returning the same
 * object. Subclasses write and read the bytes, and give their fixed length if they have one.
 */
abstract class ImmutableSerializer<T> extends TypeSerializerSingleton<T> {
    @Override
    public boolean isImmutableType() {
        return true;
    }

    @Override
    public T createInstance() {
        return null;
    }

    @Override
    public T copy(T from) {
        return from;
    }

    @Override
    public T copy(T from, T reuse) {
        return from;
    }

    @Override
    public T deserialize(T reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }
}
