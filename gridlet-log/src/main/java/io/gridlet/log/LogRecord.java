package io.gridlet.log;

import io.gridlet.core.model.Measurement;
import io.gridlet.core.wire.ReadingBatch;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One entry of the ingest log: the readings the gateway accepted from one batch of one meter, the last sequence
 * number of that meter they cover (which is what the gateway recovers its duplicate filter from), and the
 * service's data time the gateway checked them against (its watermark over meters, see {@code DataClock}; the
 * job's order gate runs on it); or the end of the data, after which the job finishes.
 *
 * <p>Bytes: {@code byte kind}: 2 the end; 1 readings, 3 sealed readings (without a data time), 4 readings, 5 sealed
 * readings (with one); then {@code unsigned short length + UTF-8 meter, long lastSeq, [long dataTime,] int n} and n
 * readings in {@link Measurement#writeTo}'s layout, or n sealed readings as {@code unsigned short length, bytes}.
 */
public record LogRecord(String meter, long lastSeq, List<Measurement> readings, List<byte[]> sealed, long dataTime) {
    /** No data time: an entry from before the gateway kept one, or from a writer that keeps none. */
    public static final long NO_DATA_TIME = Long.MIN_VALUE;
    /**
     * The data time the live service logs before it has one (before the first reading): a clock below every
     * reading, so that the job's gate follows the service's clock from the first entry on, though it opens no time.
     */
    public static final long BEFORE_DATA_TIME = 0;
    private static final int READINGS = 1, END = 2, SEALED = 3, TIMED_READINGS = 4, TIMED_SEALED = 5;
    public static final LogRecord END_OF_DATA = new LogRecord(null, 0, List.of(), null, NO_DATA_TIME);

    public LogRecord(String meter, long lastSeq, List<Measurement> readings) {
        this(meter, lastSeq, readings, null, NO_DATA_TIME);
    }

    /** An entry of sealed readings (opaque to the gateway and the log: opened inside the job's boundary). */
    public static LogRecord sealed(String meter, long lastSeq, List<byte[]> sealed) {
        return new LogRecord(meter, lastSeq, List.of(), sealed, NO_DATA_TIME);
    }

    /**
     * A clock entry: no readings, only the service's data time (written to every partition of a partitioned log, so
     * that a partition whose meters are quiet still tells the job that nothing older than that time minus the
     * lateness follows in it).
     */
    public static LogRecord clock(long dataTime) {
        if (dataTime == NO_DATA_TIME) throw new IllegalArgumentException("a clock entry needs a data time");
        return new LogRecord("", 0, List.of(), null, dataTime);
    }

    /** Whether this is a {@link #clock} entry (no meter's readings: it goes to every partition). */
    public boolean isClock() {
        return meter != null && meter.isEmpty();
    }

    /** Whether this entry goes to every partition of a log (the end of data, and clock entries). */
    public boolean isForEveryPartition() {
        return meter == null || meter.isEmpty();
    }

    /** The same entry, with the service's data time its readings were checked against. */
    public LogRecord withDataTime(long time) {
        return new LogRecord(meter, lastSeq, readings, sealed, time);
    }

    public boolean isSealed() {
        return sealed != null;
    }

    public boolean isEnd() {
        return meter == null;
    }

    public boolean hasDataTime() {
        return dataTime != NO_DATA_TIME;
    }

    /** The size of {@link #encode()}'s result, without encoding. */
    public int encodedSize() {
        if (isEnd()) return 1;
        int size = 1 + 2 + meter.getBytes(StandardCharsets.UTF_8).length + 8 + (hasDataTime() ? 8 : 0) + 4;
        if (isSealed()) {
            for (byte[] r : sealed) size += 2 + r.length;
            return size;
        }
        return size + readings.size() * Measurement.BINARY_LENGTH;
    }

    public byte[] encode() {
        if (isEnd()) return new byte[] {END};
        byte[] name = meter.getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(encodedSize());
        int kind = isSealed() ? (hasDataTime() ? TIMED_SEALED : SEALED) : (hasDataTime() ? TIMED_READINGS : READINGS);
        out.put((byte) kind).putShort((short) name.length).put(name).putLong(lastSeq);
        if (hasDataTime()) out.putLong(dataTime);
        if (isSealed()) {
            out.putInt(sealed.size());
            for (byte[] r : sealed) out.putShort((short) r.length).put(r);
        } else {
            out.putInt(readings.size());
            for (Measurement m : readings) m.writeTo(out);
        }
        return out.array();
    }

    /** Decodes an entry; an entry that does not decode is corruption the framing did not catch, an IOException. */
    public static LogRecord decode(byte[] bytes) throws IOException {
        try {
            ByteBuffer in = ByteBuffer.wrap(bytes);
            int kind = in.get() & 0xff;
            if (kind == END) return whole(in, END_OF_DATA);
            if (kind != READINGS && kind != SEALED && kind != TIMED_READINGS && kind != TIMED_SEALED) {
                throw new IOException("unknown log entry kind " + kind);
            }
            int length = in.getShort() & 0xffff;
            String meter = new String(bytes, in.position(), length, StandardCharsets.UTF_8);
            in.position(in.position() + length);
            long lastSeq = in.getLong();
            long dataTime = kind == TIMED_READINGS || kind == TIMED_SEALED ? in.getLong() : NO_DATA_TIME;
            int n = in.getInt();
            if (n < 0 || n > ReadingBatch.MAX_READINGS) throw new IOException("log entry with " + n + " readings");
            if (kind == SEALED || kind == TIMED_SEALED) {
                List<byte[]> sealed = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    byte[] r = new byte[in.getShort() & 0xffff];
                    in.get(r);
                    sealed.add(r);
                }
                return whole(in, new LogRecord(meter, lastSeq, List.of(), sealed, dataTime));
            }
            Measurement[] readings = new Measurement[n];
            for (int i = 0; i < n; i++) readings[i] = Measurement.readFrom(in);
            return whole(in, new LogRecord(meter, lastSeq, Arrays.asList(readings), null, dataTime));
        } catch (RuntimeException e) {
            throw new IOException("a log entry that does not decode: " + e, e);
        }
    }

    /** The entry read, if it took every byte: bytes after it are not this format's. */
    private static LogRecord whole(ByteBuffer in, LogRecord entry) throws IOException {
        if (in.hasRemaining()) throw new IOException(in.remaining() + " bytes after a log entry");
        return entry;
    }
}
