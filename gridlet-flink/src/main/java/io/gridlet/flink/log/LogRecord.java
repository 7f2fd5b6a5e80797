package io.gridlet.flink.log;

import io.gridlet.core.model.Measurement;
import io.gridlet.core.wire.ReadingBatch;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
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
public record LogRecord(String meter, long lastSeq, List<Measurement> readings) {
    static final int READINGS = 1, END = 2;
    public static final LogRecord END_OF_DATA = new LogRecord(null, 0, List.of());

    public boolean isEnd() {
        return meter == null;
    }

    public byte[] encode() {
        if (isEnd()) return new byte[] {END};
        byte[] name = meter.getBytes(StandardCharsets.UTF_8);
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
            if (kind != READINGS) throw new IOException("unknown log entry kind " + kind);
            int length = in.getShort() & 0xffff;
            String meter = new String(bytes, in.position(), length, StandardCharsets.UTF_8);
            in.position(in.position() + length);
            long lastSeq = in.getLong();
            int n = in.getInt();
            if (n < 0 || n > ReadingBatch.MAX_READINGS) throw new IOException("log entry with " + n + " readings");
            Measurement[] readings = new Measurement[n];
            for (int i = 0; i < n; i++) readings[i] = Measurement.readFrom(in);
            return new LogRecord(meter, lastSeq, java.util.Arrays.asList(readings));
        } catch (RuntimeException e) {
            throw new IOException("a log entry that does not decode: " + e, e);
        }
    }
}
