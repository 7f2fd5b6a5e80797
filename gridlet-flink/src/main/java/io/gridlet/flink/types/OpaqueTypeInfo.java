package io.gridlet.flink.types;

import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * Type information for a type Flink sees as one opaque value with its own serializer: not basic, not a tuple, one
 * field, not usable as a key by itself (the job's key selectors extract the keys).
 */
abstract class OpaqueTypeInfo<T> extends TypeInformation<T> {
    private static final long serialVersionUID = 1L;

    @Override
    public final boolean isBasicType() {
        return false;
    }

    @Override
    public final boolean isTupleType() {
        return false;
    }

    @Override
    public final int getArity() {
        return 1;
    }

    @Override
    public final int getTotalFields() {
        return 1;
    }

    @Override
    public final boolean isKeyType() {
        return false;
    }
}
