package io.gridlet.flink.source;

import io.gridlet.core.csv.MeasurementReader;
import io.gridlet.core.csv.Rejections;
import io.gridlet.core.model.Measurement;
import org.apache.flink.core.fs.FSDataInputStream;

import java.io.IOException;
import java.util.ArrayDeque;

/**
 * Reads a DEBS'14 CSV file for Flink's {@code FileSource} with the core's {@link MeasurementReader}: every line
 * becomes a {@link SourceRecord}, a reading or a rejection. Files are not split (readings must stay in order), and a
 * checkpointed position is a count of records, replayed by skipping (Flink's default for stream formats).
 */
public final class MeasurementFormat extends WholeFileFormat {

    @Override
    Reader<SourceRecord> open(FSDataInputStream stream) throws IOException {
        return new LineReader(stream);
    }

    private static final class LineReader implements Reader<SourceRecord> {
        private final ArrayDeque<SourceRecord> rejected = new ArrayDeque<>();
        private final MeasurementReader reader;

        LineReader(FSDataInputStream stream) {
            this.reader = new MeasurementReader(stream, (line, reason, message, text) ->
                    rejected.add(SourceRecord.rejected(line, reason, message, Rejections.shorten(text))));
        }

        @Override
        public SourceRecord read() throws IOException {
            if (!rejected.isEmpty()) return rejected.poll();
            Measurement m = reader.next();
            if (!rejected.isEmpty()) { // bad lines before this reading come first, in line order
                if (m != null) rejected.add(SourceRecord.reading(reader.lineNumber(), m, reader.lastValueRounded()));
                return rejected.poll();
            }
            return m == null ? null : SourceRecord.reading(reader.lineNumber(), m, reader.lastValueRounded());
        }

        @Override
        public void close() throws IOException {
            reader.close();
        }
    }
}
