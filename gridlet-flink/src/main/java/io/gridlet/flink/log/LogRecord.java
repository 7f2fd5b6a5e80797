package io.gridlet.flink.log;

import io.gridlet.core.model.Measurement;
import io.gridlet.core.wire.ReadingBatch;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * One entry of the ingest log: the readings the gateway accepted from one batch of one meter, and the last
 * sequence number of that meter they cover (which is what the gateway recovers its duplicate filter from); or
 * the end of the data, after which the job finishes.
 *
 * <p>Bytes: {@code byte kind (1 readings, 2 end)}; for readings {@code UTF meter, long lastSeq, int n} and n
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
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(20 + meter.length()
                + readings.size() * Measurement.BINARY_LENGTH);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(READINGS);
            out.writeUTF(meter);
            out.writeLong(lastSeq);
            out.writeInt(readings.size());
            for (Measurement m : readings) m.writeTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Decodes an entry; an entry that does not decode is corruption the framing did not catch, an IOException. */
    public static LogRecord decode(byte[] bytes) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
        int kind = in.readUnsignedByte();
        if (kind == END) return END_OF_DATA;
        if (kind != READINGS) throw new IOException("unknown log entry kind " + kind);
        String meter = in.readUTF();
        long lastSeq = in.readLong();
        int n = in.readInt();
        if (n < 0 || n > ReadingBatch.MAX_READINGS) throw new IOException("log entry with " + n + " readings");
        List<Measurement> readings = new ArrayList<>(n);
        for (int i = 0; i < n; i++) readings.add(Measurement.readFrom(in));
        return new LogRecord(meter, lastSeq, readings);
    }
}
