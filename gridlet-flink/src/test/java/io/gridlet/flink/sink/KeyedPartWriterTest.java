package io.gridlet.flink.sink;

import io.gridlet.flink.operators.ResultRecord;
import org.apache.flink.core.fs.FSDataOutputStream;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class KeyedPartWriterTest {

    /** A part stream in memory that counts the writes reaching it. */
    static final class MemoryPart extends FSDataOutputStream {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int writes;

        @Override
        public void write(int b) {
            writes++;
            bytes.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            writes++;
            bytes.write(b, off, len);
        }

        @Override
        public long getPos() {
            return bytes.size();
        }

        @Override
        public void flush() {
        }

        @Override
        public void sync() {
        }

        @Override
        public void close() {
        }
    }

    @Test
    void writesEveryResultAsItsKeyedLineInFewWrites() throws Exception {
        Random random = new Random(17);
        long[] edges = {0, 1, -1, 9, 10, 99, 100, Long.MAX_VALUE, Long.MIN_VALUE, Long.MIN_VALUE + 1, 4294967295L};
        List<ResultRecord> results = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            long[] k = new long[4];
            for (int j = 0; j < 4; j++) {
                k[j] = random.nextInt(4) == 0 ? edges[random.nextInt(edges.length)] : random.nextLong() >> random.nextInt(64);
            }
            String line = i % 5_000 == 7 ? "9".repeat(70_000) // longer than the buffer: written whole
                    : i % 5_000 == 11 ? "a\u010Ab\u00e9" // not ASCII (no result line is): '?' for each, no line end
                    : k[0] + "," + k[1] + "," + random.nextInt(1000) + ".5";
            results.add(new ResultRecord("q1-plug-60.csv", k[0], k[1], k[2], k[3], line));
        }
        MemoryPart part = new MemoryPart();
        ResultParts.KeyedPartWriter writer = new ResultParts.KeyedPartWriter(part);
        StringBuilder expected = new StringBuilder();
        for (ResultRecord r : results) {
            writer.addElement(r);
            expected.append(ResultParts.keyed(r).replaceAll("[^\\x00-\\x7f]", "?")).append('\n');
        }
        writer.finish();
        String written = part.bytes.toString(StandardCharsets.US_ASCII);
        assertThat(written).isEqualTo(expected.toString());
        assertThat(written.lines().map(ResultParts::lineOf).toList())
                .isEqualTo(results.stream().map(r -> r.line().replaceAll("[^\\x00-\\x7f]", "?")).toList());
        assertThat(part.writes).as("64 KiB at a time, not a write per line").isLessThan(expected.length() / 30_000);
    }
}
