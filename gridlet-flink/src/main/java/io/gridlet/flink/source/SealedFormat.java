package io.gridlet.flink.source;

import io.gridlet.core.csv.RejectReason;
import io.gridlet.enclave.keys.TrustedKeys;
import io.gridlet.enclave.sealing.ReadingOpener;
import io.gridlet.enclave.sealing.SealException;
import io.gridlet.enclave.sealing.SealedBlock;
import io.gridlet.enclave.sealing.SealedReadingFile;
import org.apache.flink.core.fs.FSDataInputStream;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.util.List;

/**
 * Reads a {@link SealedReadingFile} for Flink's {@code FileSource}, one record per reading. With the name of the
 * keys released to this process, every block is opened here, inside the trusted boundary, in the source's reader
 * thread (beside the task's, where the order gate runs: opening is the costly part of sealed input), and each of
 * its readings becomes an opened {@link SourceRecord}, or a rejected one saying why its block did not open;
 * without, a block stays sealed, one record, and the order gate opens it or refuses all its readings (a plain run
 * opens nothing). Not
 * split; a checkpointed position is a count of records, replayed by skipping (as for CSV files).
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
        /** The block being handed out, one reading per record: its readings, or why it did not open. */
        private List<ReadingOpener.Opened> opened = List.of();
        private SealException refused;
        private int next, count;

        RecordReader(FSDataInputStream stream, ReadingOpener opener) throws IOException {
            in = new DataInputStream(new BufferedInputStream(stream, 1 << 16));
            this.opener = opener;
            SealedReadingFile.readHeader(in);
        }

        @Override
        public SourceRecord read() throws IOException {
            if (opener == null) { // left sealed: a record per block, numbered by its first reading (the gate's to open)
                SealedBlock sealed = SealedReadingFile.next(in);
                if (sealed == null) return null;
                long line = records + 1;
                records += sealed.count();
                return SourceRecord.sealed(line, sealed);
            }
            if (next == count && !nextBlock()) return null;
            long line = ++records;
            int i = next++;
            if (refused == null) return SourceRecord.opened(line, opened.get(i));
            // every reading of a block that does not open is refused (its content is not named: the gate keeps
            // the record number only)
            return SourceRecord.rejected(line, refused.reason() == SealException.Reason.NOT_OWNED
                    ? RejectReason.NOT_OWNED : RejectReason.UNOPENABLE, "sealed reading refused ("
                    + refused.reason() + "): " + refused.getMessage(), "record " + line);
        }

        private boolean nextBlock() throws IOException {
            SealedBlock block = SealedReadingFile.next(in);
            if (block == null) return false;
            next = 0;
            count = block.count();
            refused = null;
            try {
                opened = opener.open(block);
            } catch (SealException e) {
                refused = e;
            }
            return true;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
