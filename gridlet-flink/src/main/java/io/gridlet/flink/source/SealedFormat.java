package io.gridlet.flink.source;

import io.gridlet.core.csv.RejectReason;
import io.gridlet.enclave.keys.TrustedKeys;
import io.gridlet.enclave.sealing.ReadingOpener;
import io.gridlet.enclave.sealing.SealException;
import io.gridlet.enclave.sealing.SealedReading;
import io.gridlet.enclave.sealing.SealedReadingFile;
import org.apache.flink.core.fs.FSDataInputStream;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;

/**
 * Reads a {@link SealedReadingFile} for Flink's {@code FileSource}. With the name of the keys released to this
 * process, every record is opened here, inside the trusted boundary, in the source's reader thread (beside the
 * task's, where the order gate runs: opening is the costly part of sealed input), and becomes an opened {@link
 * SourceRecord}, or a rejected one saying why it did not open; without, it stays sealed, and the order gate
 * refuses it (a plain run opens nothing). Not split; a checkpointed position is a count of records, replayed by
 * skipping (as for CSV files).
 */
public final class SealedFormat extends WholeFileFormat {
    private final String keys;

    /** @param keys the keys released to this process to open readings with (null: leave them sealed) */
    public SealedFormat(String keys) {
        this.keys = keys;
    }

    @Override
    Reader<SourceRecord> open(FSDataInputStream stream) throws IOException {
        ReadingOpener opener = null;
        if (keys != null) {
            try {
                opener = TrustedKeys.opener(keys);
            } catch (IllegalStateException e) { // none released here: left sealed, and the gate refuses each
                opener = null;
            }
        }
        return new RecordReader(stream, opener);
    }

    private static final class RecordReader implements Reader<SourceRecord> {
        private final DataInputStream in;
        private final ReadingOpener opener;
        private long records;

        RecordReader(FSDataInputStream stream, ReadingOpener opener) throws IOException {
            in = new DataInputStream(new BufferedInputStream(stream, 1 << 16));
            this.opener = opener;
            SealedReadingFile.readHeader(in);
        }

        @Override
        public SourceRecord read() throws IOException {
            SealedReading r = SealedReadingFile.next(in);
            if (r == null) return null;
            long line = ++records;
            if (opener == null) return SourceRecord.sealed(line, r);
            try {
                return SourceRecord.opened(line, opener.open(r));
            } catch (SealException e) { // (its content is not named: the gate keeps the record number only)
                return SourceRecord.rejected(line, e.reason() == SealException.Reason.NOT_OWNED
                        ? RejectReason.NOT_OWNED : RejectReason.UNOPENABLE, "sealed reading refused ("
                        + e.reason() + "): " + e.getMessage(), "record " + line);
            }
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
