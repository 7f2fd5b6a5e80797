package io.gridlet.flink.sink;

import io.gridlet.enclave.keys.ResultKeys;
import io.gridlet.enclave.sealing.ResultSeal;
import io.gridlet.enclave.sealing.SealException;
import io.gridlet.flink.operators.Boundary;
import io.gridlet.flink.operators.ResultRecord;
import org.apache.flink.api.common.serialization.BulkWriter;
import org.apache.flink.connector.file.sink.FileSink;
import org.apache.flink.core.fs.FSDataOutputStream;
import org.apache.flink.core.fs.Path;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.streaming.api.functions.sink.filesystem.BucketAssigner;
import org.apache.flink.streaming.api.functions.sink.filesystem.OutputFileConfig;
import org.apache.flink.streaming.api.functions.sink.filesystem.bucketassigners.SimpleVersionedStringSerializer;
import org.apache.flink.streaming.api.functions.sink.filesystem.rollingpolicies.OnCheckpointRollingPolicy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiFunction;
import java.util.stream.Stream;

/**
 * Flink's {@link FileSink} for results: one bucket (directory) per output file, one part file per sink instance,
 * each line prefixed with its order key, committed on checkpoints (so a reader never sees uncommitted lines).
 * Every instance writes its lines in key order; {@link ResultMerge} merges the parts into the spec's files.
 */
public final class ResultParts {
    private ResultParts() {
    }

    public static FileSink<ResultRecord> sink(String partsDir) {
        return sink(partsDir, Boundary.PLAIN);
    }

    /**
     * The same; inside a sealed boundary every line is sealed before it is written (under its house's result key,
     * with the run, its output file, its part and its place in the part: {@link ResultSeal}), one base64 line per
     * result, and each part file ends with a trailer line that counts its lines: the part files are ciphertext,
     * checked ({@link #verify}) and opened and merged by the owner or an analyst ({@link ResultMerge#merge} with
     * {@link #opener}, {@code gridlet unseal}).
     */
    public static FileSink<ResultRecord> sink(String partsDir, Boundary boundary) {
        OutputFileConfig names = OutputFileConfig.builder().withPartPrefix("part").withPartSuffix(".txt").build();
        BulkWriter.Factory<ResultRecord> parts = boundary.isSealed() ? new SealedPartWriter.Factory(boundary)
                : new KeyedPartWriter.Factory();
        return FileSink.forBulkFormat(new Path(partsDir), parts)
                .withBucketAssigner(new ByOutputFile())
                .withRollingPolicy(OnCheckpointRollingPolicy.build())
                .withOutputFileConfig(names)
                .build();
    }

    /** The writer of a plain part file on {@code out} (what the plain sink writes with; for measuring it). */
    public static BulkWriter<ResultRecord> plainPartWriter(FSDataOutputStream out) {
        return new KeyedPartWriter(out);
    }

    /**
     * A part file's lines gather here and reach the part's stream 64 KiB at a time: the local file system's part
     * stream writes through, and a system call per line cost more than making the line.
     */
    abstract static class BufferedPartWriter implements BulkWriter<ResultRecord> {
        private final FSDataOutputStream out;
        private final byte[] buffer = new byte[1 << 16];
        private int buffered;

        BufferedPartWriter(FSDataOutputStream out) {
            this.out = out;
        }

        /** Room for {@code n} more bytes at {@link #at()}, or false if {@code n} is more than the buffer holds. */
        final boolean room(int n) throws IOException {
            if (buffered + n > buffer.length) drain();
            return n <= buffer.length;
        }

        final byte[] buffer() {
            return buffer;
        }

        final int at() {
            return buffered;
        }

        final void advance(int to) {
            buffered = to;
        }

        /** {@code bytes} and a line end. */
        final void writeLine(byte[] bytes) throws IOException {
            if (!room(bytes.length + 1)) { // (a line longer than the buffer: never, but written whole)
                out.write(bytes);
                out.write('\n');
                return;
            }
            System.arraycopy(bytes, 0, buffer, buffered, bytes.length);
            buffered += bytes.length;
            buffer[buffered++] = '\n';
        }

        @Override
        public void flush() throws IOException { // (before every checkpoint: what is buffered reaches the part)
            drain();
            out.flush();
        }

        @Override
        public void finish() throws IOException {
            flush();
        }

        private void drain() throws IOException {
            if (buffered == 0) return;
            out.write(buffer, 0, buffered);
            buffered = 0;
        }
    }

    /**
     * A plain part file: {@code order house household plug line}, one per line, written straight into the buffer
     * (no string per line beyond the result's own).
     */
    static final class KeyedPartWriter extends BufferedPartWriter {
        /** Four numbers of at most 20 characters and their spaces, and a line end. */
        private static final int KEY_BYTES_MAX = 4 * 21 + 1;

        KeyedPartWriter(FSDataOutputStream out) {
            super(out);
        }

        @Override
        @SuppressWarnings("deprecation") // String.getBytes(int, int, byte[], int): the line is ASCII, copied as is
        public void addElement(ResultRecord r) throws IOException {
            String line = r.line();
            if (!room(KEY_BYTES_MAX + line.length()) || !ascii(line)) { // (never, but written whole and as before)
                writeLine(keyed(r).getBytes(StandardCharsets.US_ASCII));
                return;
            }
            byte[] b = buffer();
            int at = decimal(r.order(), b, at());
            b[at++] = ' ';
            at = decimal(r.house(), b, at);
            b[at++] = ' ';
            at = decimal(r.household(), b, at);
            b[at++] = ' ';
            at = decimal(r.plug(), b, at);
            b[at++] = ' ';
            line.getBytes(0, line.length(), b, at);
            at += line.length();
            b[at++] = '\n';
            advance(at);
        }

        /** Whether every character of {@code s} is ASCII (a result line is: digits, signs, commas, points). */
        private static boolean ascii(String s) {
            for (int i = 0; i < s.length(); i++) if (s.charAt(i) > 0x7f) return false;
            return true;
        }

        /** {@code v} in decimal ASCII at {@code at}; returns the index after it. */
        static int decimal(long v, byte[] b, int at) {
            if (v < 0) {
                if (v == Long.MIN_VALUE) {
                    byte[] min = Long.toString(v).getBytes(StandardCharsets.US_ASCII);
                    System.arraycopy(min, 0, b, at, min.length);
                    return at + min.length;
                }
                b[at++] = '-';
                v = -v;
            }
            int digits = 1;
            for (long rest = v / 10; rest != 0; rest /= 10) digits++;
            int end = at + digits;
            for (int i = end - 1; i >= at; i--) {
                b[i] = (byte) ('0' + v % 10);
                v /= 10;
            }
            return end;
        }

        static final class Factory implements BulkWriter.Factory<ResultRecord> {
            private static final long serialVersionUID = 1L;

            @Override
            public BulkWriter<ResultRecord> create(FSDataOutputStream out) {
                return new KeyedPartWriter(out);
            }
        }
    }

    /**
     * A sealed part file: a random part id, its lines numbered 0, 1, ... in the order written, and on finishing
     * (the part is committed with a checkpoint) a trailer that counts them.
     */
    static final class SealedPartWriter extends BufferedPartWriter {
        private final Boundary boundary;
        private final long part = new SecureRandom().nextLong();
        private long lines;
        private String file = "";

        SealedPartWriter(FSDataOutputStream out, Boundary boundary) {
            super(out);
            this.boundary = boundary;
        }

        @Override
        public void addElement(ResultRecord r) throws IOException {
            file = r.file();
            write(boundary.sealResult(keyed(r).getBytes(StandardCharsets.US_ASCII), r.file(), r.house(), part,
                    lines++));
        }

        @Override
        public void finish() throws IOException {
            write(boundary.sealTrailer(file, part, lines));
            super.finish();
        }

        private void write(byte[] sealed) throws IOException {
            writeLine(Base64.getEncoder().encode(sealed));
        }

        static final class Factory implements BulkWriter.Factory<ResultRecord> {
            private static final long serialVersionUID = 1L;
            private final Boundary boundary;

            Factory(Boundary boundary) {
                this.boundary = boundary;
            }

            @Override
            public BulkWriter<ResultRecord> create(FSDataOutputStream out) {
                return new SealedPartWriter(out, boundary);
            }
        }
    }

    /**
     * Checks every sealed part under {@code sealedDir} (one directory per output file): each part's lines are one
     * part's, numbered 0, 1, ... without a gap, a repeat or a swap, a part id appears in one file only, and the
     * part ends with its trailer, whose count (when {@code keys} open it: the owner's) is the part's lines; every
     * line {@code keys} can open does open (so nothing is written from parts that fail). Lines of other houses are
     * checked by their clear numbers only: an analyst's keys authenticate neither those nor the trailers, so for an
     * analyst a part cut short and given a forged end passes; the owner's keys check everything.
     *
     * @return what is wrong, one line each (empty: nothing)
     */
    public static List<String> verify(java.nio.file.Path sealedDir, ResultKeys keys, String run)
            throws IOException {
        List<String> problems = new ArrayList<>();
        Map<Long, String> parts = new HashMap<>();
        List<java.nio.file.Path> files;
        try (Stream<java.nio.file.Path> all = Files.walk(sealedDir)) {
            files = all.filter(Files::isRegularFile).filter(f -> !f.getParent().equals(sealedDir))
                    .filter(f -> !f.getFileName().toString().startsWith(".")).sorted().toList(); // (as merge reads)
        }
        for (java.nio.file.Path f : files) {
            String output = f.getParent().getFileName().toString();
            String where = output + "/" + f.getFileName();
            List<String> lines = Files.readAllLines(f, StandardCharsets.US_ASCII);
            Long part = null;
            long next = 0;
            boolean ended = false;
            for (int i = 0; i < lines.size(); i++) {
                ResultSeal.Header h;
                try {
                    h = ResultSeal.header(ResultKeys.decode(lines.get(i)));
                } catch (SealException e) {
                    problems.add(where + " line " + (i + 1) + ": " + e.getMessage());
                    continue;
                }
                if (part == null) {
                    part = h.part();
                    String seen = parts.putIfAbsent(part, where);
                    if (seen != null) problems.add(where + ": the same part as " + seen + " (a copy)");
                } else if (h.part() != part) {
                    problems.add(where + " line " + (i + 1) + ": a line of another part");
                }
                if (ended) problems.add(where + " line " + (i + 1) + ": a line after the part's end");
                if (h.isTrailer()) {
                    ended = true;
                    if (h.seq() != next) {
                        problems.add(where + ": the part ends after " + h.seq() + " lines, but " + next
                                + " are there in order");
                    }
                    if (keys.forPseudonym(ResultSeal.TRAILER) != null) {
                        try {
                            keys.open(run, output, lines.get(i));
                        } catch (SealException e) {
                            problems.add(where + ": its end does not open (" + e.reason() + ")");
                        }
                    }
                    continue;
                }
                if (h.seq() != next) {
                    problems.add(where + " line " + (i + 1) + ": number " + h.seq() + " where " + next + " was due ("
                            + (h.seq() > next ? (h.seq() - next) + " dropped" : "repeated or out of order") + ")");
                }
                next = Math.max(next, h.seq() + 1);
                if (keys.forPseudonym(h.pseudonym()) != null) { // a line these keys open: its numbers are its own
                    try {
                        keys.open(run, output, lines.get(i));
                    } catch (SealException e) {
                        problems.add(where + " line " + (i + 1) + ": does not open (" + e.reason() + ")");
                    }
                }
            }
            if (!ended) problems.add(where + ": no end (the part was cut short)");
        }
        return problems;
    }

    /** A result with the key that orders it: {@code order house household plug line}. */
    public static String keyed(ResultRecord r) {
        return r.order() + " " + r.house() + " " + r.household() + " " + r.plug() + " " + r.line();
    }

    /** The result line of a keyed line (what {@link #keyed} put after the four keys). */
    public static String lineOf(String keyed) {
        int at = 0;
        for (int i = 0; i < 4; i++) at = keyed.indexOf(' ', at) + 1;
        return keyed.substring(at);
    }

    /**
     * What opens a sealed part's lines (of output file {@code file} of run {@code run}, "" for live results) with
     * {@code keys}: the owner's opens every line, an analyst's the lines of its houses; a line of another house,
     * and a part's trailer, are left out (null), the former counted in {@code skipped}.
     */
    public static BiFunction<String, String, String> opener(ResultKeys keys, String run, LongAdder skipped) {
        return (file, line) -> {
            if (ResultSeal.header(ResultKeys.decode(line)).isTrailer()) return null; // counts lines: see verify
            try {
                return keys.open(run, file, line);
            } catch (SealException e) {
                if (e.reason() != SealException.Reason.UNKNOWN_KEY) throw e;
                skipped.increment();
                return null;
            }
        };
    }

    /** The bucket of a record is its output file's name. */
    static final class ByOutputFile implements BucketAssigner<ResultRecord, String> {
        @Override
        public String getBucketId(ResultRecord r, Context context) {
            return r.file();
        }

        @Override
        public SimpleVersionedSerializer<String> getSerializer() {
            return SimpleVersionedStringSerializer.INSTANCE;
        }
    }
}
