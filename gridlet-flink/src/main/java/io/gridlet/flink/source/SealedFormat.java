package io.gridlet.flink.source;

import io.gridlet.enclave.sealing.SealedReading;
import io.gridlet.enclave.sealing.SealedReadingFile;
import org.apache.flink.core.fs.FSDataInputStream;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;

/**
 * Reads a {@link SealedReadingFile} for Flink's {@code FileSource}: every record becomes a sealed {@link SourceRecord},
 * still sealed; the order gate opens it inside the trusted boundary. Not split; a checkpointed position is a
 * count of records, replayed by skipping (as for CSV files).
 */
public final class SealedFormat extends WholeFileFormat {
    @Override
    Reader<SourceRecord> open(FSDataInputStream stream) throws IOException {
        return new RecordReader(stream);
    }

    private static final class RecordReader implements Reader<SourceRecord> {
        private final DataInputStream in;
        private long records;

        RecordReader(FSDataInputStream stream) throws IOException {
            in = new DataInputStream(new BufferedInputStream(stream, 1 << 16));
            SealedReadingFile.readHeader(in);
        }

        @Override
        public SourceRecord read() throws IOException {
            SealedReading r = SealedReadingFile.next(in);
            return r == null ? null : SourceRecord.sealed(++records, r);
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
