package io.gridlet.core.wire;

import io.gridlet.core.csv.RejectReason;
import io.gridlet.core.model.Measurement;
import io.gridlet.core.model.Property;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What a meter sends: its name, the sequence number of the first reading, and its readings numbered on from it.
 * A batch with no readings asks where to resume (the gateway answers with the last sequence number it holds).
 *
 * <p>The wire form (big-endian): {@code byte version (1), unsigned short n + n bytes of UTF-8: the meter
 * (1..128 bytes), long firstSeq (>= 1),
 * int count (0..MAX_READINGS)}, then per reading {@value Measurement#BINARY_LENGTH} bytes in
 * {@link Measurement#writeTo}'s layout. A message that breaks this layout is malformed as a whole
 * ({@link IllegalArgumentException}); a reading whose fields are out of range is rejected alone
 * ({@link Decoded#rejected()}) and the others stand.
 */
public record ReadingBatch(String meter, long firstSeq, List<Measurement> readings) {
    public static final int VERSION = 1;
    /** The version byte of a batch of sealed readings (opaque here: opened only inside the job's boundary). */
    public static final int SEALED = 2;
    /** Largest sealed reading accepted. */
    public static final int MAX_SEALED_BYTES = 1024;
    public static final int MAX_READINGS = 10_000;
    public static final int MAX_METER_BYTES = 128;
    /** The largest header: version, the longest meter name, firstSeq, count. */
    public static final int HEADER_BYTES_MAX = 1 + 2 + MAX_METER_BYTES + 8 + 4;
    /**
     * What a meter puts in one message at most: well under gRPC's default 4 MiB, so a batch of the largest sealed
     * readings is cut by bytes before it is too large to send.
     */
    public static final int MAX_MESSAGE_BYTES = 1 << 20;
    private static final long MAX_U32 = 0xFFFF_FFFFL;

    public ReadingBatch {
        checkMeter(meter);
        if (firstSeq < 1) throw new IllegalArgumentException("sequence numbers start at 1, got " + firstSeq);
        if (readings.size() > MAX_READINGS) {
            throw new IllegalArgumentException(readings.size() + " readings in one batch, at most " + MAX_READINGS);
        }
        readings = List.copyOf(readings);
    }

    /** The sequence number of the last reading (firstSeq - 1 for a batch with none). */
    public long lastSeq() {
        return firstSeq + readings.size() - 1;
    }

    public static void checkMeter(String meter) {
        int bytes = meter.getBytes(StandardCharsets.UTF_8).length;
        if (bytes == 0 || bytes > MAX_METER_BYTES) {
            throw new IllegalArgumentException("a meter name has 1.." + MAX_METER_BYTES + " bytes, got " + bytes);
        }
    }

    public byte[] encode() {
        byte[] name = meter.getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(1 + 2 + name.length + 8 + 4 + readings.size() * Measurement.BINARY_LENGTH);
        out.put((byte) VERSION).putShort((short) name.length).put(name).putLong(firstSeq).putInt(readings.size());
        for (Measurement m : readings) m.writeTo(out);
        return out.array();
    }

    /**
     * A batch of sealed readings (each an opaque byte string of at most {@value #MAX_SEALED_BYTES}): {@code byte 2,
     * u16 length + UTF-8 meter, long firstSeq, int n}, then per reading {@code u16 length, bytes}.
     */
    public static byte[] encodeSealed(String meter, long firstSeq, List<byte[]> sealed) {
        checkMeter(meter);
        byte[] name = meter.getBytes(StandardCharsets.UTF_8);
        int size = 1 + 2 + name.length + 8 + 4;
        for (byte[] r : sealed) size += 2 + r.length;
        ByteBuffer out = ByteBuffer.allocate(size);
        out.put((byte) SEALED).putShort((short) name.length).put(name).putLong(firstSeq).putInt(sealed.size());
        for (byte[] r : sealed) {
            if (r.length > MAX_SEALED_BYTES) throw new IllegalArgumentException("sealed reading of " + r.length);
            out.putShort((short) r.length).put(r);
        }
        return out.array();
    }

    /** A reading the decoder refused, by its sequence number. */
    public record Rejected(long seq, RejectReason reason, String message) {
    }

    /** A decoded batch: the readings that are valid (with their sequence numbers) and those that are not. */
    public record Decoded(String meter, long firstSeq, int count, long[] seqs, List<Measurement> valid,
                          List<Rejected> rejected, List<byte[]> sealed) {
        /** A batch of sealed readings: {@link #sealed} holds them (with {@link #seqs}), {@link #valid} is empty. */
        public boolean isSealed() {
            return sealed != null;
        }

        public long lastSeq() {
            return firstSeq + count - 1;
        }
    }

    /** Decodes the wire form; throws {@link IllegalArgumentException} naming what is wrong with a malformed one. */
    public static Decoded decode(byte[] message) {
        ByteBuffer in = ByteBuffer.wrap(message);
        try {
            int version = in.get() & 0xff;
            if (version != VERSION && version != SEALED) {
                throw new IllegalArgumentException("unknown batch version " + version);
            }
            String meter = utf(in);
            checkMeter(meter);
            long firstSeq = in.getLong();
            if (firstSeq < 1) throw new IllegalArgumentException("sequence numbers start at 1, got " + firstSeq);
            int count = in.getInt();
            if (count < 0 || count > MAX_READINGS) {
                throw new IllegalArgumentException("reading count " + count + " outside 0.." + MAX_READINGS);
            }
            if (firstSeq > Long.MAX_VALUE - count) throw new IllegalArgumentException("sequence numbers overflow");
            if (version == SEALED) {
                long[] seqs = new long[count];
                List<byte[]> sealed = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    int n = in.getShort() & 0xffff;
                    if (n == 0 || n > MAX_SEALED_BYTES) throw new IllegalArgumentException("sealed reading of " + n);
                    byte[] r = new byte[n];
                    in.get(r);
                    sealed.add(r);
                    seqs[i] = firstSeq + i;
                }
                if (in.hasRemaining()) throw new IllegalArgumentException("bytes after the last sealed reading");
                return new Decoded(meter, firstSeq, count, seqs, List.of(), List.of(), sealed);
            }
            long expected = (long) count * Measurement.BINARY_LENGTH;
            if (in.remaining() != expected) {
                throw new IllegalArgumentException("batch of " + count + " readings needs " + expected
                        + " bytes of readings, has " + in.remaining());
            }
            long[] seqs = new long[count];
            List<Measurement> valid = new ArrayList<>(count);
            List<Rejected> rejected = new ArrayList<>(0);
            for (int i = 0; i < count; i++) {
                long seq = firstSeq + i;
                long id = in.getLong(), ts = in.getLong(), value = in.getLong();
                int code = in.get();
                long plug = in.getLong(), household = in.getLong(), house = in.getLong();
                String why = null;
                RejectReason reason = RejectReason.BAD_NUMBER;
                if (code != 0 && code != 1) {
                    reason = RejectReason.BAD_PROPERTY;
                    why = "property must be 0 or 1, got " + code;
                } else if (ts < 0 || ts > MAX_U32) {
                    why = "timestamp " + ts + " outside 0.." + MAX_U32;
                } else if (outsideU32(plug) || outsideU32(household) || outsideU32(house)) {
                    why = "ids must be 0.." + MAX_U32 + ", got plug " + plug + ", household " + household
                            + ", house " + house;
                } else if (value < 0) {
                    reason = code == 1 ? RejectReason.NEGATIVE_LOAD : RejectReason.BAD_NUMBER;
                    why = "value must not be negative, got " + value + " thousandths";
                } else if (code == 1 && value > Measurement.MAX_LOAD_MILLIWATTS) {
                    why = "load " + value + " mW above " + Measurement.MAX_LOAD_MILLIWATTS;
                }
                if (why != null) {
                    rejected.add(new Rejected(seq, reason, why));
                } else {
                    seqs[valid.size()] = seq;
                    valid.add(new Measurement(id, ts, value, Property.ofCode(code), plug, household, house));
                }
            }
            return new Decoded(meter, firstSeq, count, valid.size() == count ? seqs
                    : Arrays.copyOf(seqs, valid.size()), valid, rejected, null);
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("truncated batch", e);
        }
    }

    /** The meter a message claims to come from, read without decoding the rest; null if it does not say. */
    public static String meterOf(byte[] message) {
        try {
            ByteBuffer in = ByteBuffer.wrap(message);
            int version = in.get() & 0xff;
            return version == VERSION || version == SEALED ? utf(in) : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** A name as DataOutput.writeUTF writes an ASCII one: unsigned short length, bytes (UTF-8 here). */
    static String utf(ByteBuffer in) {
        int length = in.getShort() & 0xffff;
        if (length > in.remaining()) throw new IllegalArgumentException("truncated name");
        String s = new String(in.array(), in.arrayOffset() + in.position(), length, StandardCharsets.UTF_8);
        in.position(in.position() + length);
        return s;
    }

    private static boolean outsideU32(long v) {
        return v < 0 || v > MAX_U32;
    }
}
