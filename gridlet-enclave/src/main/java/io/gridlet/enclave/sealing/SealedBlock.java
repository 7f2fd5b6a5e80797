package io.gridlet.enclave.sealing;

import io.gridlet.core.model.Measurement;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Consecutive readings of one meter sealed together ({@link MeterSealer}), as the platform sees them: in the clear
 * only who sealed them and in which order (the meter's identity, its sealing epoch and the epoch's encapsulated key,
 * the sequence number of the first reading within the epoch; the others follow it one by one) and each reading's
 * timestamp, which the service orders by; the readings themselves (id, value, load or work, house, household and
 * plug) in one AES-GCM ciphertext whose tag covers the clear fields too. The platform can see which meter sends
 * when, and which houses a meter may report for; not which house a reading is of, nor any value.
 *
 * <p>A block is one reading for the live service (it acknowledges, deduplicates and refuses reading by reading) and
 * up to {@link #MAX_READINGS} in a file ({@link SealedReadingFile}): AES-GCM's set-up per message costs as much as
 * sealing a few hundred readings' bytes, so a file's readings are sealed a block at a time.
 */
public record SealedBlock(String meter, long epoch, byte[] enc, long seq, long[] timestamps, byte[] ciphertext) {
    public static final byte VERSION = 3;
    public static final int NONCE_BYTES = 12;
    public static final int TAG_BYTES = 16;
    /** Most readings in one block. */
    public static final int MAX_READINGS = 1024;

    public SealedBlock {
        if (enc.length != ReadingSuite.KEY_BYTES) throw new IllegalArgumentException("an encapsulated key of 32 bytes");
        if (meter.getBytes(StandardCharsets.UTF_8).length > MeterIdentity.MAX_BYTES) {
            throw new IllegalArgumentException("a meter identity longer than " + MeterIdentity.MAX_BYTES + " bytes");
        }
        if (timestamps.length == 0 || timestamps.length > MAX_READINGS) {
            throw new IllegalArgumentException("1 to " + MAX_READINGS + " readings in a block, not "
                    + timestamps.length);
        }
        if (ciphertext.length != ciphertextLength(timestamps.length)) {
            throw new IllegalArgumentException("a ciphertext of " + ciphertextLength(timestamps.length)
                    + " bytes for " + timestamps.length + " readings, not " + ciphertext.length);
        }
    }

    /** Bytes of the ciphertext of {@code count} readings: their binary forms and the tag. */
    public static int ciphertextLength(int count) {
        return count * Measurement.BINARY_LENGTH + TAG_BYTES;
    }

    /** Readings in the block. */
    public int count() {
        return timestamps.length;
    }

    /** The timestamp of the block's first reading (of its only one, in the live service). */
    public long timestamp() {
        return timestamps[0];
    }

    /** The sequence number of the block's last reading. */
    public long lastSeq() {
        return seq + timestamps.length - 1;
    }

    /** Longest header. */
    static final int MAX_HEADER = 2 + MeterIdentity.MAX_BYTES + 3 * Long.BYTES + ReadingSuite.KEY_BYTES + 2
            + MAX_READINGS * Long.BYTES;

    /**
     * The clear fields as the tag covers them: version, identity (its length, a byte, then UTF-8), epoch,
     * encapsulated key, first sequence number, count (2 bytes), timestamps.
     */
    byte[] header() {
        byte[] into = new byte[headerLength()];
        writeHeader(into);
        return into;
    }

    private int headerLength() {
        return 2 + meter.getBytes(StandardCharsets.UTF_8).length + 2 * Long.BYTES + ReadingSuite.KEY_BYTES + 2
                + timestamps.length * Long.BYTES;
    }

    /** Writes {@link #header()} into {@code into} (at least {@link #MAX_HEADER} bytes); returns its length. */
    int writeHeader(byte[] into) {
        ByteBuffer b = ByteBuffer.wrap(into);
        b.put(VERSION).put((byte) 0);
        int start = b.position();
        for (int i = 0; i < meter.length(); i++) { // the identity is ASCII (MeterIdentity's pattern) when it opens
            char c = meter.charAt(i);
            if (c >= 0x80) return writeHeaderUtf8(into);
            b.put((byte) c);
        }
        into[1] = (byte) (b.position() - start);
        return writeRest(b);
    }

    private int writeHeaderUtf8(byte[] into) {
        byte[] id = meter.getBytes(StandardCharsets.UTF_8);
        return writeRest(ByteBuffer.wrap(into).put(VERSION).put((byte) id.length).put(id));
    }

    private int writeRest(ByteBuffer b) {
        b.putLong(epoch).put(enc).putLong(seq).putShort((short) timestamps.length);
        for (long t : timestamps) b.putLong(t);
        return b.position();
    }

    /** The binary form: the header, then the ciphertext (its length follows from the count). */
    public void writeTo(DataOutput out) throws IOException {
        byte[] header = new byte[headerLength()];
        out.write(header, 0, writeHeader(header));
        out.write(ciphertext);
    }

    /** The binary form as bytes. */
    public byte[] toBytes() {
        byte[] header = header();
        byte[] all = Arrays.copyOf(header, header.length + ciphertext.length);
        System.arraycopy(ciphertext, 0, all, header.length, ciphertext.length);
        return all;
    }

    /**
     * The clear timestamp of a one-reading block in its binary form, without reading the rest; -1 if the bytes are
     * not one (too short, another version, more readings).
     */
    public static long clearTimestamp(byte[] binary) {
        int at = countOffset(binary);
        if (at < 0 || binary.length < at + 2 + Long.BYTES) return -1;
        ByteBuffer b = ByteBuffer.wrap(binary);
        return b.getShort(at) == 1 ? b.getLong(at + 2) : -1;
    }

    /** How many readings a block in its binary form holds, without reading the rest; -1 if the bytes are not one. */
    public static int clearCount(byte[] binary) {
        int at = countOffset(binary);
        return at < 0 || binary.length < at + 2 ? -1 : ByteBuffer.wrap(binary).getShort(at) & 0xffff;
    }

    /** The name of the meter that sealed a block in its binary form, without opening it; null if not one. */
    public static String clearMeterName(byte[] binary) {
        if (countOffset(binary) < 0) return null;
        String identity = new String(binary, 2, binary[1] & 0xff, StandardCharsets.UTF_8);
        int space = identity.indexOf(' ');
        return space < 0 ? identity : identity.substring(0, space);
    }

    private static int countOffset(byte[] binary) {
        if (binary.length < 2 || binary[0] != VERSION) return -1;
        int at = 2 + (binary[1] & 0xff) + 2 * Long.BYTES + ReadingSuite.KEY_BYTES;
        return binary.length < at ? -1 : at;
    }

    public static SealedBlock readFrom(DataInput in) throws IOException {
        byte version = in.readByte();
        if (version != VERSION) throw new SealException(SealException.Reason.MALFORMED, "unknown version " + version);
        return readAfterVersion(in);
    }

    /** {@link #readFrom} after its version byte (read, and checked, by the caller). */
    static SealedBlock readAfterVersion(DataInput in) throws IOException {
        int idLength = in.readUnsignedByte();
        if (idLength == 0 || idLength > MeterIdentity.MAX_BYTES) {
            throw new SealException(SealException.Reason.MALFORMED, "a meter identity of " + idLength + " bytes");
        }
        byte[] id = new byte[idLength];
        in.readFully(id);
        for (byte b : id) {
            if (b < 0x20) { // (bytes >= 0x80 are negative) an identity is printable ASCII (MeterIdentity)
                throw new SealException(SealException.Reason.MALFORMED, "a meter identity that is not ASCII");
            }
        }
        byte[] fixed = new byte[2 * Long.BYTES + ReadingSuite.KEY_BYTES + 2];
        in.readFully(fixed);
        ByteBuffer b = ByteBuffer.wrap(fixed);
        long epoch = b.getLong();
        byte[] enc = new byte[ReadingSuite.KEY_BYTES];
        b.get(enc);
        long seq = b.getLong();
        int count = b.getShort() & 0xffff;
        if (count == 0 || count > MAX_READINGS) {
            throw new SealException(SealException.Reason.MALFORMED, "a block of " + count + " readings");
        }
        if (seq < 1 || seq > Long.MAX_VALUE - count) { // meters number their readings from 1
            throw new SealException(SealException.Reason.MALFORMED, "a block numbered " + seq);
        }
        byte[] rest = new byte[count * Long.BYTES + ciphertextLength(count)];
        in.readFully(rest);
        long[] timestamps = new long[count];
        ByteBuffer.wrap(rest).asLongBuffer().get(timestamps);
        byte[] ciphertext = Arrays.copyOfRange(rest, count * Long.BYTES, rest.length);
        return new SealedBlock(identity(id), epoch, enc, seq, timestamps, ciphertext);
    }

    /** The last identity read on this thread: a meter's readings come in runs, and their identity is one string. */
    private static final ThreadLocal<Object[]> LAST_IDENTITY = ThreadLocal.withInitial(() -> new Object[2]);

    private static String identity(byte[] bytes) {
        Object[] last = LAST_IDENTITY.get();
        if (last[0] != null && Arrays.equals((byte[]) last[0], bytes)) return (String) last[1];
        String text = new String(bytes, StandardCharsets.US_ASCII); // ASCII: checked above
        last[0] = bytes;
        last[1] = text;
        return text;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SealedBlock s && meter.equals(s.meter) && epoch == s.epoch && seq == s.seq
                && Arrays.equals(timestamps, s.timestamps) && Arrays.equals(enc, s.enc)
                && Arrays.equals(ciphertext, s.ciphertext);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(ciphertext);
    }

    @Override
    public String toString() {
        return "SealedBlock[" + meter + ", epoch " + epoch + ", seq " + seq + (count() > 1 ? ".." + lastSeq() : "")
                + ", t " + timestamp() + ", " + ciphertext.length + " bytes sealed]";
    }
}
