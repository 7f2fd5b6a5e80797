package io.gridlet.flink.types;

import io.gridlet.flink.operators.ResultRecord;

/** Flink's type information for {@link ResultRecord}: serialized by {@link ResultRecordSerializer}. */
public final class ResultRecordTypeInfo extends SingletonTypeInfo<ResultRecord> {
    public static final ResultRecordTypeInfo INSTANCE = new ResultRecordTypeInfo();

    private ResultRecordTypeInfo() {
        super(ResultRecord.class, ResultRecordSerializer.INSTANCE);
    }
}
