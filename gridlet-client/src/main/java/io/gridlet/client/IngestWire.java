package io.gridlet.client;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import io.gridlet.core.csv.RejectReason;
import io.gridlet.core.model.Measurement;
import io.gridlet.core.wire.Ack;
import io.gridlet.core.wire.ReadingBatch;
import io.gridlet.proto.Bounds;
import io.gridlet.proto.ingest.v1.Readings;
import io.gridlet.proto.ingest.v1.Rejection;
import io.gridlet.proto.ingest.v1.SealedReadings;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@link ReadingBatch} and {@link Ack} as {@code gridlet.ingest.v1} messages (proto/gridlet/ingest/v1/ingest.proto):
 * plain readings as packed columns, ids and timestamps as differences to the previous reading's. Decoding checks
 * what the types do not: a malformed message throws {@link IllegalArgumentException} saying why.
 */
public final class IngestWire {
    /** An upper bound of a batch's bytes besides its readings: meter, first sequence number, body, column headers. */
    public static final int HEADER_BYTES_MAX = 256;
    /** An upper bound of one plain reading's bytes: three 10-byte varints, a property byte, three 5-byte ones. */
    public static final int PLAIN_READING_BYTES_MAX = 3 * 10 + 1 + 3 * 5;
    /** A sealed reading's bytes besides itself: its tag and a length of at most 2 bytes (readings of 1..1024). */
    public static final int SEALED_OVERHEAD = 3;

    private static final long MAX_U32 = 0xFFFF_FFFFL;
    /** What a peer's batch may make the parser hold: a column of one reading past the limit, a few unknown fields. */
    private static final Bounds BATCH_BOUNDS = new Bounds(ReadingBatch.MAX_READINGS + 1, 64);
    private static final Bounds ACK_BOUNDS = new Bounds(Ack.MAX_REJECTED, 64);
    private static final int METER_TAG = io.gridlet.proto.ingest.v1.ReadingBatch.METER_FIELD_NUMBER << 3
            | WireFormat.WIRETYPE_LENGTH_DELIMITED;

    private IngestWire() {
    }

    /**
     * The batch's bytes: exactly what the generated {@code ReadingBatch} serializes for it ({@link #encodeGenerated},
     * the reference a test holds this to), written straight from the readings with protobuf's
     * {@link CodedOutputStream} (the builders cost ~7x the time on the meters' hot path).
     */
    public static byte[] encode(ReadingBatch batch) {
        List<Measurement> rs = batch.readings();
        byte[] meter = batch.meter().getBytes(StandardCharsets.UTF_8);
        int n = rs.size();
        int size = 1 + CodedOutputStream.computeUInt32SizeNoTag(meter.length) + meter.length
                + 1 + CodedOutputStream.computeUInt64SizeNoTag(batch.firstSeq()); // (meter and firstSeq never 0)
        if (n == 0) {
            byte[] out = new byte[size];
            CodedOutputStream o = CodedOutputStream.newInstance(out);
            header(o, meter, batch.firstSeq());
            return out;
        }
        long[] id = new long[n], ts = new long[n], value = new long[n];
        int[] plug = new int[n], household = new int[n], house = new int[n];
        byte[] property = new byte[n];
        long lastId = 0, lastTs = 0;
        for (int i = 0; i < n; i++) {
            Measurement m = rs.get(i);
            id[i] = m.id() - lastId;
            ts[i] = m.timestamp() - lastTs;
            value[i] = m.milliValue();
            property[i] = (byte) m.property().code();
            plug[i] = u32(m.plugId());
            household[i] = u32(m.householdId());
            house[i] = u32(m.houseId());
            lastId = m.id();
            lastTs = m.timestamp();
        }
        int sId = sint64Size(id), sTs = sint64Size(ts), sValue = sint64Size(value);
        int sPlug = uint32Size(plug), sHousehold = uint32Size(household), sHouse = uint32Size(house);
        int readings = field(sId) + field(sTs) + field(sValue) + field(n) + field(sPlug) + field(sHousehold)
                + field(sHouse);
        size += field(readings);
        byte[] out = new byte[size];
        try {
            CodedOutputStream o = CodedOutputStream.newInstance(out);
            header(o, meter, batch.firstSeq());
            o.writeTag(io.gridlet.proto.ingest.v1.ReadingBatch.READINGS_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            o.writeUInt32NoTag(readings);
            packed(o, Readings.ID_DELTA_FIELD_NUMBER, sId);
            for (long v : id) o.writeSInt64NoTag(v);
            packed(o, Readings.TIMESTAMP_DELTA_FIELD_NUMBER, sTs);
            for (long v : ts) o.writeSInt64NoTag(v);
            packed(o, Readings.VALUE_FIELD_NUMBER, sValue);
            for (long v : value) o.writeSInt64NoTag(v);
            packed(o, Readings.PROPERTY_FIELD_NUMBER, n);
            o.writeRawBytes(property);
            packed(o, Readings.PLUG_FIELD_NUMBER, sPlug);
            for (int v : plug) o.writeUInt32NoTag(v);
            packed(o, Readings.HOUSEHOLD_FIELD_NUMBER, sHousehold);
            for (int v : household) o.writeUInt32NoTag(v);
            packed(o, Readings.HOUSE_FIELD_NUMBER, sHouse);
            for (int v : house) o.writeUInt32NoTag(v);
            o.checkNoSpaceLeft();
        } catch (IOException e) {
            throw new IllegalStateException("a batch's size was computed wrong", e);
        }
        return out;
    }

    private static void header(CodedOutputStream o, byte[] meter, long firstSeq) {
        try {
            o.writeTag(io.gridlet.proto.ingest.v1.ReadingBatch.METER_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            o.writeUInt32NoTag(meter.length);
            o.writeRawBytes(meter);
            o.writeUInt64(io.gridlet.proto.ingest.v1.ReadingBatch.FIRST_SEQ_FIELD_NUMBER, firstSeq);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void packed(CodedOutputStream o, int field, int bytes) throws IOException {
        o.writeTag(field, WireFormat.WIRETYPE_LENGTH_DELIMITED);
        o.writeUInt32NoTag(bytes);
    }

    /** A length-delimited field's size with its one-byte tag (fields 1..15). */
    private static int field(int bytes) {
        return 1 + CodedOutputStream.computeUInt32SizeNoTag(bytes) + bytes;
    }

    private static int sint64Size(long[] values) {
        int size = 0;
        for (long v : values) size += CodedOutputStream.computeSInt64SizeNoTag(v);
        return size;
    }

    private static int uint32Size(int[] values) {
        int size = 0;
        for (int v : values) size += CodedOutputStream.computeUInt32SizeNoTag(v);
        return size;
    }

    /** {@link #encode} with the generated builders: the reference. */
    static byte[] encodeGenerated(ReadingBatch batch) {
        List<Measurement> rs = batch.readings();
        var out = io.gridlet.proto.ingest.v1.ReadingBatch.newBuilder().setMeter(batch.meter())
                .setFirstSeq(batch.firstSeq());
        if (!rs.isEmpty()) {
            Readings.Builder r = Readings.newBuilder();
            byte[] property = new byte[rs.size()];
            long id = 0, ts = 0;
            for (int i = 0; i < property.length; i++) {
                Measurement m = rs.get(i);
                r.addIdDelta(m.id() - id).addTimestampDelta(m.timestamp() - ts).addValue(m.milliValue())
                        .addPlug(u32(m.plugId())).addHousehold(u32(m.householdId())).addHouse(u32(m.houseId()));
                property[i] = (byte) m.property().code();
                id = m.id();
                ts = m.timestamp();
            }
            out.setReadings(r.setProperty(ByteString.copyFrom(property)));
        }
        return out.build().toByteArray();
    }

    /** A batch of sealed readings (each 1..{@value ReadingBatch#MAX_SEALED_BYTES} opaque bytes). */
    public static byte[] encodeSealed(String meter, long firstSeq, List<byte[]> sealed) {
        ReadingBatch.sealed(meter, firstSeq, sealed); // the same checks as the gateway's
        SealedReadings.Builder s = SealedReadings.newBuilder();
        for (byte[] r : sealed) s.addReading(ByteString.copyFrom(r));
        return io.gridlet.proto.ingest.v1.ReadingBatch.newBuilder().setMeter(meter).setFirstSeq(firstSeq)
                .setSealed(s).build().toByteArray();
    }

    /**
     * A batch from its bytes: malformed as a whole (exception) or checked reading by reading. A batch laid out as
     * {@link #encode} writes it (what protobuf's serializers write) is read straight into columns; any other layout
     * protobuf allows (fields out of order or repeated, unpacked columns, unknown fields, sealed readings) goes
     * through the generated parser ({@link #decodeGenerated}), which decides; both give the same answer.
     */
    public static ReadingBatch.Decoded decode(byte[] message) {
        Canonical c;
        try {
            c = readCanonical(message);
        } catch (IOException | RuntimeException e) {
            c = null;
        }
        if (c == null) return decodeGenerated(message);
        if (c.id == null) return noReadings(c.meter, c.firstSeq);
        return ReadingBatch.plain(c.meter, c.firstSeq, c.id, c.ts, c.value, c.property, c.plug, c.household, c.house);
    }

    private static final int TAG_FIRST_SEQ = io.gridlet.proto.ingest.v1.ReadingBatch.FIRST_SEQ_FIELD_NUMBER << 3
            | WireFormat.WIRETYPE_VARINT;
    private static final int TAG_READINGS = io.gridlet.proto.ingest.v1.ReadingBatch.READINGS_FIELD_NUMBER << 3
            | WireFormat.WIRETYPE_LENGTH_DELIMITED;
    private static final int TAG_PROPERTY = Readings.PROPERTY_FIELD_NUMBER << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED;

    /** A batch as the canonical layout holds it; the columns null when it has no readings. */
    private record Canonical(String meter, long firstSeq, long[] id, long[] ts, long[] value, byte[] property,
                             long[] plug, long[] household, long[] house) {
    }

    /**
     * Reads the canonical layout: meter, first_seq, then (if any readings) one Readings with its seven columns, packed,
     * in field order, ids and timestamps summed up from their differences; null at the first other thing.
     */
    private static Canonical readCanonical(byte[] message) throws IOException {
        CodedInputStream in = CodedInputStream.newInstance(message);
        if (in.readTag() != METER_TAG) return null;
        String meter = in.readStringRequireUtf8();
        if (in.readTag() != TAG_FIRST_SEQ) return null;
        long firstSeq = in.readUInt64();
        int tag = in.readTag();
        if (tag == 0) return new Canonical(meter, firstSeq, null, null, null, null, null, null, null);
        if (tag != TAG_READINGS) return null;
        int limit = in.pushLimit(in.readRawVarint32());
        long[] id = sint64Column(in, Readings.ID_DELTA_FIELD_NUMBER, -1, true);
        if (id == null) return null;
        int n = id.length;
        long[] ts = sint64Column(in, Readings.TIMESTAMP_DELTA_FIELD_NUMBER, n, true);
        long[] value = sint64Column(in, Readings.VALUE_FIELD_NUMBER, n, false);
        if (ts == null || value == null || in.readTag() != TAG_PROPERTY) return null;
        byte[] property = in.readByteArray();
        if (property.length != n) return null;
        long[] plug = uint32Column(in, Readings.PLUG_FIELD_NUMBER, n);
        long[] household = uint32Column(in, Readings.HOUSEHOLD_FIELD_NUMBER, n);
        long[] house = uint32Column(in, Readings.HOUSE_FIELD_NUMBER, n);
        if (plug == null || household == null || house == null || in.readTag() != 0) return null;
        in.popLimit(limit);
        if (!in.isAtEnd()) return null;
        return new Canonical(meter, firstSeq, id, ts, value, property, plug, household, house);
    }

    /** A batch without readings: a meter asking where to resume. */
    private static ReadingBatch.Decoded noReadings(String meter, long firstSeq) {
        return ReadingBatch.plain(meter, firstSeq, new long[0], new long[0], new long[0], new byte[0], new long[0],
                new long[0], new long[0]);
    }

    /** A packed sint64 column (summed up if {@code deltas}) of {@code n} entries (-1: any, 1..MAX_READINGS). */
    private static long[] sint64Column(CodedInputStream in, int field, int n, boolean deltas) throws IOException {
        if (in.readTag() != (field << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED)) return null;
        int bytes = in.readRawVarint32();
        int limit = in.pushLimit(bytes);
        long[] out = new long[n >= 0 ? n : Math.min(bytes, ReadingBatch.MAX_READINGS)];
        int i = 0;
        long sum = 0;
        while (in.getBytesUntilLimit() > 0) {
            if (i == out.length) return null; // more than n (or than a batch holds): the generated parser says why
            long v = in.readSInt64();
            out[i++] = deltas ? (sum += v) : v;
        }
        in.popLimit(limit);
        if (n >= 0 ? i != n : i == 0) return null;
        return i == out.length ? out : Arrays.copyOf(out, i);
    }

    private static long[] uint32Column(CodedInputStream in, int field, int n) throws IOException {
        if (in.readTag() != (field << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED)) return null;
        int limit = in.pushLimit(in.readRawVarint32());
        long[] out = new long[n];
        int i = 0;
        while (in.getBytesUntilLimit() > 0) {
            if (i == n) return null;
            out[i++] = Integer.toUnsignedLong(in.readUInt32());
        }
        in.popLimit(limit);
        return i == n ? out : null;
    }

    /** {@link #decode} with the generated parser: the reference, and the path of every other layout. */
    static ReadingBatch.Decoded decodeGenerated(byte[] message) {
        io.gridlet.proto.ingest.v1.ReadingBatch b = BATCH_BOUNDS.parse(
                io.gridlet.proto.ingest.v1.ReadingBatch.getDefaultInstance(), message);
        String meter = b.getMeter();
        long firstSeq = b.getFirstSeq(); // a uint64 above 2^63 reads negative: refused as < 1
        switch (b.getBodyCase()) {
            case SEALED: {
                List<byte[]> sealed = new ArrayList<>(Math.min(b.getSealed().getReadingCount(),
                        ReadingBatch.MAX_READINGS + 1));
                for (ByteString r : b.getSealed().getReadingList()) {
                    if (sealed.size() > ReadingBatch.MAX_READINGS) break; // refused by the count check
                    sealed.add(r.toByteArray());
                }
                return ReadingBatch.sealed(meter, firstSeq, sealed);
            }
            case READINGS: {
                Readings r = b.getReadings();
                int n = r.getIdDeltaCount();
                if (n > ReadingBatch.MAX_READINGS) {
                    throw new IllegalArgumentException("reading count " + n + " outside 0.." + ReadingBatch.MAX_READINGS);
                }
                if (r.getTimestampDeltaCount() != n || r.getValueCount() != n || r.getProperty().size() != n
                        || r.getPlugCount() != n || r.getHouseholdCount() != n || r.getHouseCount() != n) {
                    throw new IllegalArgumentException("columns of different lengths (ids " + n + ", timestamps "
                            + r.getTimestampDeltaCount() + ", values " + r.getValueCount() + ", properties "
                            + r.getProperty().size() + ", plugs " + r.getPlugCount() + ", households "
                            + r.getHouseholdCount() + ", houses " + r.getHouseCount() + ")");
                }
                long[] id = new long[n], ts = new long[n], value = new long[n];
                long[] plug = new long[n], household = new long[n], house = new long[n];
                long lastId = 0, lastTs = 0;
                for (int i = 0; i < n; i++) {
                    id[i] = lastId += r.getIdDelta(i);
                    ts[i] = lastTs += r.getTimestampDelta(i);
                    value[i] = r.getValue(i);
                    plug[i] = Integer.toUnsignedLong(r.getPlug(i));
                    household[i] = Integer.toUnsignedLong(r.getHousehold(i));
                    house[i] = Integer.toUnsignedLong(r.getHouse(i));
                }
                return ReadingBatch.plain(meter, firstSeq, id, ts, value, r.getProperty().toByteArray(), plug,
                        household, house);
            }
            default: // no readings: where do I resume?
                return noReadings(meter, firstSeq);
        }
    }

    /**
     * The meter a batch's bytes name, read without decoding the readings (top-level fields are skipped whole); as
     * protobuf's parser, the last of several wins. Null if it names none or the message is malformed.
     */
    public static String meterOf(byte[] message) {
        try {
            CodedInputStream in = CodedInputStream.newInstance(message);
            String meter = null;
            for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
                if (tag == METER_TAG) meter = in.readStringRequireUtf8();
                else if (!in.skipField(tag)) return null;
            }
            return meter;
        } catch (IOException e) {
            return null;
        }
    }

    public static byte[] encode(Ack ack) {
        var out = io.gridlet.proto.ingest.v1.Ack.newBuilder().setLastSeq(ack.lastSeq()).setSkipped(ack.skipped());
        for (ReadingBatch.Rejected r : ack.rejected()) {
            out.addRejected(Rejection.newBuilder().setSeq(r.seq()).setReason(r.reason().label())
                    .setMessage(r.message()));
        }
        return out.build().toByteArray();
    }

    public static Ack decodeAck(byte[] message) {
        io.gridlet.proto.ingest.v1.Ack a = ACK_BOUNDS.parse(io.gridlet.proto.ingest.v1.Ack.getDefaultInstance(),
                message);
        if (a.getRejectedCount() > Ack.MAX_REJECTED) {
            throw new IllegalArgumentException("rejection count " + a.getRejectedCount());
        }
        if (a.getSkipped() < 0) throw new IllegalArgumentException("skipped count above 2^63: " + a.getSkipped());
        List<ReadingBatch.Rejected> rejected = new ArrayList<>(a.getRejectedCount());
        for (Rejection r : a.getRejectedList()) {
            RejectReason reason = null;
            for (RejectReason known : RejectReason.values()) if (known.label().equals(r.getReason())) reason = known;
            if (reason == null) throw new IllegalArgumentException("unknown rejection reason " + r.getReason());
            rejected.add(new ReadingBatch.Rejected(r.getSeq(), reason, r.getMessage()));
        }
        return new Ack(a.getLastSeq(), a.getSkipped(), rejected);
    }

    private static int u32(long id) {
        if (id < 0 || id > MAX_U32) throw new IllegalArgumentException("an id outside 0.." + MAX_U32 + ": " + id);
        return (int) id;
    }
}
