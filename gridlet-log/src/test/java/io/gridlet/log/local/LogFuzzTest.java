package io.gridlet.log.local;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.gridlet.core.model.Measurement;
import io.gridlet.log.LogRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;

/**
 * The ingest log read back, fuzzed with Jazzer (coverage-guided, for a few seconds in every build: JAZZER_FUZZ=1 is
 * set for this module's tests). Jazzer fuzzes one test per JVM, so this one test takes both readers; the first byte
 * it consumes picks one. The contracts:
 * <ul>
 *   <li>{@link LogRecord#decode}, an entry (from a segment, or a Kafka record): an IOException and nothing else; what
 *       decodes is an entry that survives encode/decode and re-encodes to its bytes (where the meter's bytes are
 *       valid UTF-8, which the decoder replaces otherwise; an entry of a kind with a data time that holds none is
 *       written as the kind without one).</li>
 *   <li>The segment files of a {@link LocalLog}, as bytes on a disk can be (entries framed or not, damaged or not, in
 *       one to three segments that follow on from each other or not): {@link LocalLog.Reader} and
 *       {@link LogCheck#check} end cleanly or with an IOException ({@link LogCorruptedException} is one), never with
 *       another exception or an OutOfMemoryError, and never loop (the reader moves on with every entry; Jazzer's
 *       timeout catches a hang). They agree: where the check finds the log whole or only torn at its tail, the reader
 *       reads the same number of entries to the same end without an exception; where the reader says it is corrupt,
 *       so does the check.</li>
 * </ul>
 */
class LogFuzzTest {
    private static final byte[] KINDS = {1, 2, 3, 4, 5};
    private static Path dir; // one directory for every input: emptied before each

    @FuzzTest(maxDuration = "5s")
    // Jazzer passes it to libFuzzer as the timeout of one input (a hang is a finding, not a stalled build);
    // JUnit applies it to the whole fuzzing run too: keep maxDuration well under it.
    @Timeout(30)
    @DictionaryEntries({"\u0001", "\u0002", "\u0003", "\u0004", "\u0005", "\u0000\u0001", "\u0000\u0000\u0000\u0000",
            "\u0000\u0000\u0000\u0001", "\u0000\u0000\u0000\u0031", "\u0000\u0000\u0027\u0010",
            "\u0000\u0010\u0000\u0000", "\u0000\u0010\u0000\u0001"})
    void entriesAndSegmentsReadOrFailWithIOException(FuzzedDataProvider data) throws IOException {
        if (data.consumeBoolean()) record(data.consumeBoolean() ? data.consumeRemainingAsBytes() : recordLayout(data));
        else segments(data);
    }

    @AfterAll
    static void removeTheDirectory() throws IOException {
        if (dir != null) {
            empty();
            Files.delete(dir);
        }
    }

    // ---- one entry ----

    static void record(byte[] bytes) {
        LogRecord r;
        try {
            r = LogRecord.decode(bytes);
        } catch (IOException e) {
            return;
        } catch (Throwable t) {
            throw escaped("LogRecord.decode", "an IOException", t);
        }
        byte[] again = r.encode();
        check(again.length == r.encodedSize(), "encodedSize " + r.encodedSize() + ", encode " + again.length);
        LogRecord back;
        try {
            back = LogRecord.decode(again);
        } catch (IOException e) {
            throw new AssertionError("an entry that decoded does not decode once re-encoded: " + r, e);
        }
        check(same(back, r), "an entry does not survive encode/decode: " + r + ", " + back);
        if (r.isEnd()) {
            check(Arrays.equals(again, bytes), "the end of the data does not re-encode to its bytes");
            return;
        }
        check(r.meter() != null && (r.isSealed() ? r.readings().isEmpty() : r.sealed() == null),
                "an entry of readings and sealed readings both: " + r);
        int length = (bytes[1] & 0xff) << 8 | bytes[2] & 0xff;
        if (!Arrays.equals(Arrays.copyOfRange(bytes, 3, 3 + length), r.meter().getBytes(StandardCharsets.UTF_8))) {
            return; // the meter's bytes are not valid UTF-8: the decoder replaced some
        }
        byte[] expected = bytes;
        int kind = bytes[0];
        if ((kind == 4 || kind == 5) && !r.hasDataTime()) { // a data time of "none": written without one
            int time = 3 + length + 8;
            expected = new byte[bytes.length - 8];
            System.arraycopy(bytes, 0, expected, 0, time);
            System.arraycopy(bytes, time + 8, expected, time, bytes.length - time - 8);
            expected[0] = (byte) (kind == 4 ? 1 : 3); // readings, sealed readings
        }
        check(Arrays.equals(again, expected), "an entry does not re-encode to its bytes: " + r);
    }

    private static boolean same(LogRecord a, LogRecord b) {
        if (a.isEnd() || b.isEnd()) return a.isEnd() && b.isEnd();
        if (!a.meter().equals(b.meter()) || a.lastSeq() != b.lastSeq() || a.dataTime() != b.dataTime()
                || !a.readings().equals(b.readings()) || a.isSealed() != b.isSealed()) {
            return false;
        }
        if (!a.isSealed()) return true;
        if (a.sealed().size() != b.sealed().size()) return false;
        for (int i = 0; i < a.sealed().size(); i++) {
            if (!Arrays.equals(a.sealed().get(i), b.sealed().get(i))) return false;
        }
        return true;
    }

    /** An entry as a writer lays it out, its fields in and out of range; maybe bytes after it. */
    private static byte[] recordLayout(FuzzedDataProvider data) {
        int kind = data.consumeBoolean() ? data.pickValue(KINDS) : data.consumeInt(0, 255);
        return write(out -> {
            out.writeByte(kind);
            if (kind != 2) {
                byte[] name = data.consumeBoolean() ? data.consumeString(12).getBytes(StandardCharsets.UTF_8)
                        : data.consumeBytes(data.consumeInt(0, 12));
                out.writeShort(name.length);
                out.write(name);
                out.writeLong(data.consumeLong());
                if (kind == 4 || kind == 5) {
                    out.writeLong(data.consumeBoolean() ? LogRecord.NO_DATA_TIME : data.consumeLong());
                }
                int n = data.consumeInt(0, 4);
                out.writeInt(data.consumeInt(0, 7) == 0 ? data.consumeInt() : n);
                for (int i = 0; i < n; i++) {
                    if (kind == 3 || kind == 5) {
                        byte[] r = data.consumeBytes(data.consumeInt(0, 40));
                        out.writeShort(r.length);
                        out.write(r);
                    } else {
                        out.writeLong(data.consumeLong());
                        out.writeLong(data.consumeLong(-1, 1L << 32));
                        out.writeLong(data.consumeLong(-1, Measurement.MAX_LOAD_MILLIWATTS + 1));
                        out.writeByte(data.consumeInt(-1, 2));
                        for (int id = 0; id < 3; id++) out.writeLong(data.consumeLong(0, 3));
                    }
                }
            }
            if (data.consumeInt(0, 7) == 0) out.write(data.consumeBytes(data.consumeInt(1, 4)));
        });
    }

    // ---- segment files ----

    static void segments(FuzzedDataProvider data) throws IOException {
        if (dir == null) dir = Files.createTempDirectory("gridlet-log-fuzz");
        empty();
        int segments = data.consumeInt(1, 3);
        long base = data.consumeBoolean() ? 0 : data.consumeLong(0, 1000);
        long first = base, bytes = 0;
        for (int i = 0; i < segments; i++) {
            byte[] content = data.consumeBoolean() ? data.consumeBytes(data.consumeInt(0, 512)) : framed(data);
            Path file = LocalLog.segment(dir, base);
            if (!Files.exists(file)) Files.write(file, content);
            bytes += content.length;
            long next = base + content.length;
            if (data.consumeInt(0, 7) == 0) next = Math.max(0, next + data.consumeLong(-16, 16)); // a gap, an overlap
            base = next;
        }
        LogCheck.Report report = null;
        try {
            report = LogCheck.check(dir);
        } catch (IOException e) {
            // a damage the check could not describe: refused all the same
        } catch (Throwable t) {
            throw escaped("LogCheck.check", "an IOException", t);
        }
        long entries = 0, end;
        IOException failed = null;
        try (LocalLog.Reader reader = new LocalLog.Reader(dir, first)) {
            long last = reader.position();
            while (reader.next() != null) {
                check(reader.position() > last, "the reader returned an entry without moving on");
                last = reader.position();
                check(++entries <= bytes / (LocalLog.HEADER + 1), "the reader returned more entries than the bytes"
                        + " hold");
            }
            end = reader.position();
        } catch (IOException e) {
            failed = e;
            end = -1;
        } catch (AssertionError e) {
            throw e;
        } catch (Throwable t) {
            throw escaped("LocalLog.Reader", "an IOException", t);
        }
        if (report == null) return;
        check(report.entries() >= 0 && report.readings() >= 0 && report.segments() >= 1, "a report of " + report);
        if (report.damage() == null || report.damage().tornTail()) {
            check(failed == null, "the check finds " + (report.damage() == null ? "no damage" : "a torn tail only")
                    + ", the reader fails: " + failed);
            check(entries == report.entries() && end == report.end(), "the check reads " + report.entries()
                    + " entries to position " + report.end() + ", the reader " + entries + " to " + end);
        }
        if (failed instanceof LogCorruptedException) {
            check(report.isCorrupt(), "the reader says the log is corrupt, the check does not: " + failed);
        }
    }

    /**
     * A segment of framed entries ({@code int length, int CRC-32C, entry}), the entries laid out as entries or
     * other bytes; then maybe damaged: a byte changed, cut short, or bytes added.
     */
    private static byte[] framed(FuzzedDataProvider data) {
        int n = data.consumeInt(0, 4);
        byte[] segment = write(out -> {
            for (int i = 0; i < n; i++) {
                byte[] entry = data.consumeBoolean() ? recordLayout(data) : data.consumeBytes(data.consumeInt(0, 64));
                out.writeInt(data.consumeInt(0, 15) == 0 ? data.consumeInt() : entry.length);
                out.writeInt(LocalLog.crc(entry, 0, entry.length));
                out.write(entry);
            }
        });
        switch (data.consumeInt(0, 5)) {
            case 0 -> {
                if (segment.length > 0) {
                    segment[data.consumeInt(0, segment.length - 1)] ^= (byte) data.consumeInt(1, 255);
                }
            }
            case 1 -> segment = Arrays.copyOf(segment, data.consumeInt(0, segment.length));
            case 2 -> {
                byte[] more = data.consumeBytes(data.consumeInt(1, 16));
                byte[] longer = Arrays.copyOf(segment, segment.length + more.length);
                System.arraycopy(more, 0, longer, segment.length, more.length);
                segment = longer;
            }
            default -> {
            }
        }
        return segment;
    }

    private static void empty() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) Files.delete(f);
        }
    }

    // ---- helpers ----

    private interface Layout {
        void write(DataOutputStream out) throws IOException;
    }

    private static byte[] write(Layout layout) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            layout.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static void check(boolean holds, String what) {
        if (!holds) throw new AssertionError(what);
    }

    private static AssertionError escaped(String reader, String allowed, Throwable t) {
        return new AssertionError(reader + " may throw " + allowed + ", got " + t, t);
    }
}
