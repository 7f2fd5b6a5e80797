package io.gridlet.flink.source;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.reader.StreamFormat;
import org.apache.flink.core.fs.FSDataInputStream;

import java.io.IOException;

/**
 * A file format read whole, in order, into {@link SourceRecord} records: not split (readings must stay in order), and a
 * checkpointed position is a count of records, replayed by skipping (Flink's default for stream formats).
 */
abstract class WholeFileFormat implements StreamFormat<SourceRecord> {
    /** A reader of the file from its start. */
    abstract Reader<SourceRecord> open(FSDataInputStream stream) throws IOException;

    @Override
    public final Reader<SourceRecord> createReader(Configuration config, FSDataInputStream stream, long fileLen,
                                             long splitEnd) throws IOException {
        return open(stream);
    }

    @Override
    public final Reader<SourceRecord> restoreReader(Configuration config, FSDataInputStream stream, long restoredOffset,
                                              long fileLen, long splitEnd) throws IOException {
        if (restoredOffset != 0) throw new IOException("these files are read from the start");
        return open(stream);
    }

    @Override
    public final boolean isSplittable() {
        return false;
    }

    @Override
    public final TypeInformation<SourceRecord> getProducedType() {
        return TypeInformation.of(SourceRecord.class);
    }
}
