package io.gridlet.flink.source;

import io.gridlet.core.csv.MeasurementReader;
import io.gridlet.core.csv.Rejections;
import io.gridlet.core.model.Measurement;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.reader.StreamFormat;
import org.apache.flink.core.fs.FSDataInputStream;

import java.io.IOException;
import java.util.ArrayDeque;

/**
 * Reads a DEBS'14 CSV file for Flink's {@code FileSource} with the core's {@link MeasurementReader}: every line
 * becomes a {@link Parsed}, a reading or a rejection. Files are not split (readings must stay in order), and a
 * checkpointed position is a count of records, replayed by skipping (Flink's default for stream formats).
 */
public final class MeasurementFormat implements StreamFormat<Parsed> {

    @Override
    public Reader<Parsed> createReader(Configuration config, FSDataInputStream stream, long fileLen, long splitEnd) {
        return new LineReader(stream);
    }

    @Override
    public Reader<Parsed> restoreReader(Configuration config, FSDataInputStream stream, long restoredOffset,
                                        long fileLen, long splitEnd) throws IOException {
        if (restoredOffset != 0) throw new IOException("measurement files are read from the start");
        return new LineReader(stream);
    }

    @Override
    public boolean isSplittable() {
        return false;
    }

    @Override
    public TypeInformation<Parsed> getProducedType() {
        return TypeInformation.of(Parsed.class);
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
