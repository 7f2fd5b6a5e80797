package io.gridlet.client;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import io.gridlet.core.csv.RejectReason;
import io.gridlet.core.model.Measurement;
import io.gridlet.core.wire.Ack;
import io.gridlet.core.wire.ReadingBatch;
import io.gridlet.proto.ingest.v1.Readings;
import io.gridlet.proto.ingest.v1.Rejection;
import io.gridlet.proto.ingest.v1.SealedReadings;

import java.io.IOException;
import java.util.ArrayList;
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
    private static final int METER_TAG = io.gridlet.proto.ingest.v1.ReadingBatch.METER_FIELD_NUMBER << 3
            | WireFormat.WIRETYPE_LENGTH_DELIMITED;

    private IngestWire() {
    }

    public static byte[] encode(ReadingBatch batch) {
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

    /** A batch from its bytes: malformed as a whole (exception) or checked reading by reading. */
    public static ReadingBatch.Decoded decode(byte[] message) {
        io.gridlet.proto.ingest.v1.ReadingBatch b;
        try {
            b = io.gridlet.proto.ingest.v1.ReadingBatch.parseFrom(message);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("not a gridlet.ingest.v1.ReadingBatch: " + e.getMessage());
        }
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
                return ReadingBatch.plain(meter, firstSeq, new long[0], new long[0], new long[0], new byte[0],
                        new long[0], new long[0], new long[0]);
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
        io.gridlet.proto.ingest.v1.Ack a;
        try {
            a = io.gridlet.proto.ingest.v1.Ack.parseFrom(message);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("not a gridlet.ingest.v1.Ack: " + e.getMessage());
        }
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
