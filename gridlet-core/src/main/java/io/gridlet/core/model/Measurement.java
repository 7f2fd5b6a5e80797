package io.gridlet.core.model;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * One validated DEBS'14 reading.
 *
 * <p>Values are held exactly as integer thousandths of the unit ({@code milliValue}): milliwatts for a load,
 * watt-hours for cumulative work (kWh × 1000). Ids and the timestamp are unsigned 32-bit numbers held in longs;
 * the reading id is an unsigned 64-bit number held in a long's bits (compare with {@link Long#compareUnsigned}).
 */
public record Measurement(long id, long timestamp, long milliValue, Property property,
                          long plugId, long householdId, long houseId) {

    /** Largest load the queries accept: the median structures hold loads as {@code int} milliwatts (2.1 MW). */
    public static final long MAX_LOAD_MILLIWATTS = Integer.MAX_VALUE;

    public Measurement {
        if (property == null) throw new IllegalArgumentException("property must not be null");
        if (property == Property.LOAD && (milliValue < 0 || milliValue > MAX_LOAD_MILLIWATTS)) {
            throw new IllegalArgumentException("load out of range: " + milliValue + " mW");
        }
    }

    public boolean isLoad() {
        return property == Property.LOAD;
    }

    /** The plug this reading came from. */
    public PlugId plug() {
        return new PlugId(houseId, householdId, plugId);
    }

    /** Bytes written by {@link #writeTo}. */
    public static final int BINARY_LENGTH = 6 * Long.BYTES + 1;

    /** The binary form: fixed {@value #BINARY_LENGTH} bytes, read back by {@link #readFrom}. */
    public void writeTo(DataOutput out) throws IOException {
        out.writeLong(id);
        out.writeLong(timestamp);
        out.writeLong(milliValue);
        out.writeByte(property.code());
        out.writeLong(plugId);
        out.writeLong(householdId);
        out.writeLong(houseId);
    }

    /** {@link #writeTo}'s layout into a buffer (big-endian, as the buffer's default order). */
    public void writeTo(ByteBuffer out) {
        out.putLong(id).putLong(timestamp).putLong(milliValue).put((byte) property.code()).putLong(plugId)
                .putLong(householdId).putLong(houseId);
    }

    /** {@link #readFrom(DataInput)} from a buffer; an unknown property code is an IllegalArgumentException. */
    public static Measurement readFrom(ByteBuffer in) {
        long id = in.getLong(), ts = in.getLong(), value = in.getLong();
        Property property = Property.ofCode(in.get());
        return new Measurement(id, ts, value, property, in.getLong(), in.getLong(), in.getLong());
    }

    public static Measurement readFrom(DataInput in) throws IOException {
        long id = in.readLong();
        long ts = in.readLong();
        long value = in.readLong();
        byte code = in.readByte();
        if (code != 0 && code != 1) throw new IOException("unknown property code " + code);
        Property property = Property.ofCode(code);
        return new Measurement(id, ts, value, property, in.readLong(), in.readLong(), in.readLong());
    }
}
