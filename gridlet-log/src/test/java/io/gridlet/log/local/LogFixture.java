package io.gridlet.log.local;

import io.gridlet.core.model.Measurement;
import io.gridlet.core.model.Property;
import io.gridlet.log.IngestLog;
import io.gridlet.log.LogRecord;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/** Logs written for the tests, and the damage done to them. */
final class LogFixture {
    private LogFixture() {
    }

    static LogRecord record(String meter, long lastSeq, int readings) {
        List<Measurement> list = new ArrayList<>();
        for (int i = 0; i < readings; i++) {
            list.add(new Measurement(lastSeq * 1000 + i, 1_377_986_401L + lastSeq, 1000L * i, Property.LOAD,
                    i, 1, meter.hashCode() & 0xffff));
        }
        return new LogRecord(meter, lastSeq, list);
    }

    /** Appends the records and closes the writer; returns each one's position (its frame's offset). */
    static List<Long> write(LocalLog log, List<LogRecord> records) throws Exception {
        List<Long> positions = new ArrayList<>();
        long at = LocalLog.segments(log.dir()).isEmpty() ? 0 : LogCheck.check(log.dir()).end();
        try (IngestLog.Writer w = log.openWriter()) {
            for (LogRecord r : records) {
                positions.add(at);
                w.append(r).get();
                at += LocalLog.HEADER + r.encode().length;
            }
        }
        return positions;
    }

    /** Meter "m", sequences 1..n, 10 readings each. */
    static List<LogRecord> records(int n) {
        List<LogRecord> records = new ArrayList<>();
        for (int s = 1; s <= n; s++) records.add(record("m", s, 10));
        return records;
    }

    /** Every entry a reader returns until it has none. */
    static List<LogRecord> readAll(LocalLog log) throws IOException {
        List<LogRecord> all = new ArrayList<>();
        try (LocalLog.Reader r = log.reader(0)) {
            byte[] e;
            while ((e = r.next()) != null) all.add(LogRecord.decode(e));
        }
        return all;
    }

    static void flipByte(Path file, long offset) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        bytes[(int) offset] ^= 0x10;
        Files.write(file, bytes);
    }

    static void putInt(Path file, long offset, int value) throws IOException {
        try (FileChannel c = FileChannel.open(file, StandardOpenOption.WRITE)) {
            c.write(ByteBuffer.allocate(4).putInt(0, value), offset);
        }
    }

    static void append(Path file, byte[] bytes) throws IOException {
        Files.write(file, bytes, StandardOpenOption.APPEND);
    }

    static void truncate(Path file, long size) throws IOException {
        try (FileChannel c = FileChannel.open(file, StandardOpenOption.WRITE)) {
            c.truncate(size);
        }
    }

    /** A frame as the writer writes it. */
    static byte[] frame(byte[] entry) {
        return ByteBuffer.allocate(LocalLog.HEADER + entry.length).putInt(entry.length)
                .putInt(LocalLog.crc(entry, 0, entry.length)).put(entry).array();
    }
}
