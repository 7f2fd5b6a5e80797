package io.gridlet.core.wire;

import io.gridlet.core.csv.RejectReason;
import io.gridlet.core.model.Measurement;
import io.gridlet.core.model.Property;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What a meter sends: its name, the sequence number of the first reading, and its readings numbered on from it.
 * A batch with no readings asks where to resume (the gateway answers with the last sequence number it holds).
 *
 * <p>This is the model and its checks; the wire form is protobuf ({@code gridlet.ingest.v1.ReadingBatch} in
 * {@code proto/}, converted in gridlet-client's {@code IngestWire}). A batch that breaks a rule of the whole
 * (meter name, sequence numbers, count) is malformed as a whole ({@link IllegalArgumentException}); a reading whose
 * fields are out of range is rejected alone ({@link Decoded#rejected()}) and the others stand.
 */
public record ReadingBatch(String meter, long firstSeq, List<Measurement> readings) {
    /** Largest sealed reading accepted. */
    public static final int MAX_SEALED_BYTES = 1024;
    public static final int MAX_READINGS = 10_000;
    public static final int MAX_METER_BYTES = 128;
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

    /** Checks the rules of a whole batch; throws {@link IllegalArgumentException} naming the one broken. */
    private static void checkWhole(String meter, long firstSeq, int count) {
        checkMeter(meter);
        if (firstSeq < 1) throw new IllegalArgumentException("sequence numbers start at 1, got " + firstSeq);
        if (count < 0 || count > MAX_READINGS) {
            throw new IllegalArgumentException("reading count " + count + " outside 0.." + MAX_READINGS);
        }
        if (firstSeq > Long.MAX_VALUE - count) throw new IllegalArgumentException("sequence numbers overflow");
    }

    /** A batch of sealed readings (each 1..{@value #MAX_SEALED_BYTES} opaque bytes), checked. */
    public static Decoded sealed(String meter, long firstSeq, List<byte[]> sealed) {
        checkWhole(meter, firstSeq, sealed.size());
        long[] seqs = new long[sealed.size()];
        for (int i = 0; i < seqs.length; i++) {
            int n = sealed.get(i).length;
            if (n == 0 || n > MAX_SEALED_BYTES) throw new IllegalArgumentException("sealed reading of " + n);
            seqs[i] = firstSeq + i;
        }
        return new Decoded(meter, firstSeq, seqs.length, seqs, List.of(), List.of(), List.copyOf(sealed));
    }

    /**
     * A batch of plain readings from its columns (entry i of each is reading {@code firstSeq + i}; all of one
     * length): the whole checked, then each reading alone (property 0 or 1, timestamp and ids within 32 bits
     * unsigned, value not negative, a load not above {@link Measurement#MAX_LOAD_MILLIWATTS}).
     */
    public static Decoded plain(String meter, long firstSeq, long[] id, long[] timestamp, long[] value,
                                byte[] property, long[] plug, long[] household, long[] house) {
        int count = id.length;
        if (timestamp.length != count || value.length != count || property.length != count || plug.length != count
                || household.length != count || house.length != count) {
            throw new IllegalArgumentException("columns of different lengths (ids " + count + ", timestamps "
                    + timestamp.length + ", values " + value.length + ", properties " + property.length + ", plugs "
                    + plug.length + ", households " + household.length + ", houses " + house.length + ")");
        }
        checkWhole(meter, firstSeq, count);
        long[] seqs = new long[count];
        List<Measurement> valid = new ArrayList<>(count);
        List<Rejected> rejected = new ArrayList<>(0);
        for (int i = 0; i < count; i++) {
            long seq = firstSeq + i;
            long ts = timestamp[i], v = value[i];
            int code = property[i] & 0xff;
            String why = null;
            RejectReason reason = RejectReason.BAD_NUMBER;
            if (code != 0 && code != 1) {
                reason = RejectReason.BAD_PROPERTY;
                why = "property must be 0 or 1, got " + code;
            } else if (ts < 0 || ts > MAX_U32) {
                why = "timestamp " + ts + " outside 0.." + MAX_U32;
            } else if (outsideU32(plug[i]) || outsideU32(household[i]) || outsideU32(house[i])) {
                why = "ids must be 0.." + MAX_U32 + ", got plug " + plug[i] + ", household " + household[i]
                        + ", house " + house[i];
            } else if (v < 0) {
                reason = code == 1 ? RejectReason.NEGATIVE_LOAD : RejectReason.BAD_NUMBER;
                why = "value must not be negative, got " + v + " thousandths";
            } else if (code == 1 && v > Measurement.MAX_LOAD_MILLIWATTS) {
                why = "load " + v + " mW above " + Measurement.MAX_LOAD_MILLIWATTS;
            }
            if (why != null) {
                rejected.add(new Rejected(seq, reason, why));
            } else {
                seqs[valid.size()] = seq;
                valid.add(new Measurement(id[i], ts, v, Property.ofCode(code), plug[i], household[i], house[i]));
            }
        }
        return new Decoded(meter, firstSeq, count, valid.size() == count ? seqs
                : Arrays.copyOf(seqs, valid.size()), valid, rejected, null);
    }

    private static boolean outsideU32(long v) {
        return v < 0 || v > MAX_U32;
    }
}
