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
 * without (a plain run, or keys not released to this process), each reading is a rejected record saying so. One
 * record per reading either way, so a checkpointed count of records means the same whatever the keys. Not
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
        if (keys == null) return new RecordReader(stream, null, "a sealed reading in a plain run: run it --sealed");
        try {
            return new RecordReader(stream, TrustedKeys.opener(keys), null);
        } catch (IllegalStateException e) { // none released here: each reading is refused, and says why
            return new RecordReader(stream, null, "no keys released to this process to open sealed readings ("
                    + e.getMessage() + ")");
        }
    }

    private static final class RecordReader implements Reader<SourceRecord> {
        private final DataInputStream in;
        private final ReadingOpener opener;
        private final String unopened; // without an opener: why each reading is refused
        private long records;
        /** The block being handed out, one reading per record: its readings, or why it did not open. */
        private List<ReadingOpener.Opened> opened = List.of();
        private SealException refused;
        private int next, count;

        RecordReader(FSDataInputStream stream, ReadingOpener opener, String unopened) throws IOException {
            in = new DataInputStream(new BufferedInputStream(stream, 1 << 16));
            this.opener = opener;
            this.unopened = unopened;
            SealedReadingFile.readHeader(in);
        }

        @Override
        public SourceRecord read() throws IOException {
            if (next == count && !nextBlock()) return null;
            long line = ++records;
            int i = next++;
            if (opener == null) return SourceRecord.rejected(line, RejectReason.UNOPENABLE, unopened, "record " + line);
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
            if (opener == null) return true;
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
