package io.gridlet.flink.types;

import io.gridlet.flink.operators.WindowChangeRecord;

/** Flink's type information for {@link WindowChangeRecord}: serialized by {@link WindowChangeSerializer}. */
public final class WindowChangeTypeInfo extends SingletonTypeInfo<WindowChangeRecord> {
    public static final WindowChangeTypeInfo INSTANCE = new WindowChangeTypeInfo();

    private WindowChangeTypeInfo() {
        super(WindowChangeRecord.class, WindowChangeSerializer.INSTANCE);
    }
}
