package io.gridlet.flink.source;

import io.gridlet.core.csv.MeasurementReader;
import io.gridlet.core.csv.Rejections;
import io.gridlet.core.model.Measurement;
import org.apache.flink.core.fs.FSDataInputStream;

import java.io.IOException;
import java.util.ArrayDeque;

/**
 * Reads a DEBS'14 CSV file for Flink's {@code FileSource} with the core's {@link MeasurementReader}: every line
 * becomes a {@link Parsed}, a reading or a rejection. Files are not split (readings must stay in order), and a
 * checkpointed position is a count of records, replayed by skipping (Flink's default for stream formats).
 */
public final class MeasurementFormat extends WholeFileFormat {

    @Override
    Reader<Parsed> open(FSDataInputStream stream) throws IOException {
        return new LineReader(stream);
    }

    private static final class LineReader implements Reader<Parsed> {
        private final ArrayDeque<Parsed> rejected = new ArrayDeque<>();
        private final MeasurementReader reader;

        LineReader(FSDataInputStream stream) {
            this.reader = new MeasurementReader(stream, (line, reason, message, text) ->
                    rejected.add(Parsed.rejected(line, reason, message, Rejections.shorten(text))));
        }

        @Override
        public Parsed read() throws IOException {
            if (!rejected.isEmpty()) return rejected.poll();
            Measurement m = reader.next();
            if (!rejected.isEmpty()) { // bad lines before this reading come first, in line order
                if (m != null) rejected.add(Parsed.reading(reader.lineNumber(), m, reader.lastValueRounded()));
                return rejected.poll();
            }
            return m == null ? null : Parsed.reading(reader.lineNumber(), m, reader.lastValueRounded());
        }

        @Override
        public void close() throws IOException {
            reader.close();
        }
    }
}
