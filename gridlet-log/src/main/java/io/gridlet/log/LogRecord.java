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
 * One entry of the ingest log: the readings the gateway accepted from one batch of one meter, and the last
 * sequence number of that meter they cover (which is what the gateway recovers its duplicate filter from); or
 * the end of the data, after which the job finishes.
 *
 * <p>Bytes: {@code byte kind (1 readings, 2 end)}; for readings {@code unsigned short length + UTF-8 meter,
 * long lastSeq, int n} and n
 * readings in {@link Measurement#writeTo}'s layout.
 */
public record LogRecord(String meter, long lastSeq, List<Measurement> readings, List<byte[]> sealed) {
    private static final int READINGS = 1, END = 2, SEALED = 3;
    public static final LogRecord END_OF_DATA = new LogRecord(null, 0, List.of(), null);

    public LogRecord(String meter, long lastSeq, List<Measurement> readings) {
        this(meter, lastSeq, readings, null);
    }

    /** An entry of sealed readings (opaque to the gateway and the log: opened inside the job's boundary). */
    public static LogRecord sealed(String meter, long lastSeq, List<byte[]> sealed) {
        return new LogRecord(meter, lastSeq, List.of(), sealed);
    }

    public boolean isSealed() {
        return sealed != null;
    }

    public boolean isEnd() {
        return meter == null;
    }

    public byte[] encode() {
        if (isEnd()) return new byte[] {END};
        byte[] name = meter.getBytes(StandardCharsets.UTF_8);
        if (isSealed()) {
            int size = 1 + 2 + name.length + 8 + 4;
            for (byte[] r : sealed) size += 2 + r.length;
            ByteBuffer out = ByteBuffer.allocate(size);
            out.put((byte) SEALED).putShort((short) name.length).put(name).putLong(lastSeq).putInt(sealed.size());
            for (byte[] r : sealed) out.putShort((short) r.length).put(r);
            return out.array();
        }
        ByteBuffer out = ByteBuffer.allocate(1 + 2 + name.length + 8 + 4 + readings.size() * Measurement.BINARY_LENGTH);
        out.put((byte) READINGS).putShort((short) name.length).put(name).putLong(lastSeq).putInt(readings.size());
        for (Measurement m : readings) m.writeTo(out);
        return out.array();
    }

    /** Decodes an entry; an entry that does not decode is corruption the framing did not catch, an IOException. */
    public static LogRecord decode(byte[] bytes) throws IOException {
        try {
            ByteBuffer in = ByteBuffer.wrap(bytes);
            int kind = in.get() & 0xff;
            if (kind == END) return END_OF_DATA;
            if (kind != READINGS && kind != SEALED) throw new IOException("unknown log entry kind " + kind);
            int length = in.getShort() & 0xffff;
            String meter = new String(bytes, in.position(), length, StandardCharsets.UTF_8);
            in.position(in.position() + length);
            long lastSeq = in.getLong();
            int n = in.getInt();
            if (n < 0 || n > ReadingBatch.MAX_READINGS) throw new IOException("log entry with " + n + " readings");
            if (kind == SEALED) {
                List<byte[]> sealed = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    byte[] r = new byte[in.getShort() & 0xffff];
                    in.get(r);
                    sealed.add(r);
                }
                return sealed(meter, lastSeq, sealed);
            }
            Measurement[] readings = new Measurement[n];
            for (int i = 0; i < n; i++) readings[i] = Measurement.readFrom(in);
            return new LogRecord(meter, lastSeq, Arrays.asList(readings));
        } catch (RuntimeException e) {
            throw new IOException("a log entry that does not decode: " + e, e);
        }
    }
}
