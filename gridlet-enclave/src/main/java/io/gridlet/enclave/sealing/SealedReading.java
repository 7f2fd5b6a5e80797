package io.gridlet.enclave.sealing;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A reading as the platform sees it ({@link MeterSealer}): in the clear only who sealed it and in which order (the
 * meter's identity, its sealing epoch and the epoch's encapsulated key, the sequence number within the epoch) and
 * the timestamp the service orders by; the reading itself (id, value, load or work, house, household and plug) in
 * an AES-GCM ciphertext whose tag covers the clear fields too. The platform can see which meter sends when, and
 * which houses a meter may report for; not which house a reading is of, nor any value.
 */
public record SealedReading(String meter, long epoch, byte[] enc, long seq, long timestamp, byte[] ciphertext) {
    public static final byte VERSION = 2;
    public static final int NONCE_BYTES = 12;
    public static final int TAG_BYTES = 16;
    /** Longest ciphertext of a reading: a reading's binary form and the tag, with room to spare. */
    static final int MAX_CIPHERTEXT = 1024;

    public SealedReading {
        if (enc.length != ReadingSuite.KEY_BYTES) throw new IllegalArgumentException("an encapsulated key of 32 bytes");
        if (meter.getBytes(StandardCharsets.UTF_8).length > MeterIdentity.MAX_BYTES) {
            throw new IllegalArgumentException("a meter identity longer than " + MeterIdentity.MAX_BYTES + " bytes");
        }
    }

    /**
     * The clear fields as the tag covers them: version, identity (its length, a byte, then UTF-8), epoch,
     * encapsulated key, sequence number, timestamp.
     */
    byte[] header() {
        byte[] into = new byte[MAX_HEADER];
        return java.util.Arrays.copyOf(into, writeHeader(into));
    }

    /** Longest header. */
    static final int MAX_HEADER = 2 + MeterIdentity.MAX_BYTES + 3 * Long.BYTES + ReadingSuite.KEY_BYTES;

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
        b.putLong(epoch).put(enc).putLong(seq).putLong(timestamp);
        return b.position();
    }

    private int writeHeaderUtf8(byte[] into) {
        byte[] id = meter.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.wrap(into).put(VERSION).put((byte) id.length).put(id).putLong(epoch).put(enc)
                .putLong(seq).putLong(timestamp);
        return b.position();
    }

    /** The binary form: the header, then the ciphertext's length (2 bytes) and bytes. */
    public void writeTo(DataOutput out) throws IOException {
        byte[] header = new byte[MAX_HEADER];
        out.write(header, 0, writeHeader(header));
        out.writeShort(ciphertext.length);
        out.write(ciphertext);
    }

    /**
     * The clear timestamp of a sealed reading in its binary form, without reading the rest; -1 if the bytes are
     * not one (too short, another version).
     */
    public static long clearTimestamp(byte[] binary) {
        int at = timestampOffset(binary);
        return at < 0 ? -1 : ByteBuffer.wrap(binary).getLong(at);
    }

    /** The name of the meter that sealed a reading in its binary form, without opening it; null if not one. */
    public static String clearMeterName(byte[] binary) {
        if (timestampOffset(binary) < 0) return null;
        String identity = new String(binary, 2, binary[1] & 0xff, StandardCharsets.UTF_8);
        int space = identity.indexOf(' ');
        return space < 0 ? identity : identity.substring(0, space);
    }

    private static int timestampOffset(byte[] binary) {
        if (binary.length < 2 || binary[0] != VERSION) return -1;
        int at = 2 + (binary[1] & 0xff) + 2 * Long.BYTES + ReadingSuite.KEY_BYTES;
        return binary.length < at + Long.BYTES ? -1 : at;
    }

    public static SealedReading readFrom(DataInput in) throws IOException {
        byte version = in.readByte();
        if (version != VERSION) throw new SealException(SealException.Reason.MALFORMED, "unknown version " + version);
        return readAfterVersion(in);
    }

    /** {@link #readFrom} after its version byte (read, and checked, by the caller). */
    static SealedReading readAfterVersion(DataInput in) throws IOException {
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
        long epoch = in.readLong();
        byte[] enc = new byte[ReadingSuite.KEY_BYTES];
        in.readFully(enc);
        long seq = in.readLong();
        long timestamp = in.readLong();
        int n = in.readUnsignedShort();
        if (n < TAG_BYTES || n > MAX_CIPHERTEXT) {
            throw new SealException(SealException.Reason.MALFORMED, "ciphertext of " + n);
        }
        byte[] ciphertext = new byte[n];
        in.readFully(ciphertext);
        return new SealedReading(identity(id), epoch, enc, seq, timestamp, ciphertext);
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
        return o instanceof SealedReading s && meter.equals(s.meter) && epoch == s.epoch && seq == s.seq
                && timestamp == s.timestamp && Arrays.equals(enc, s.enc) && Arrays.equals(ciphertext, s.ciphertext);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(ciphertext);
    }

    @Override
    public String toString() {
        return "SealedReading[" + meter + ", epoch " + epoch + ", seq " + seq + ", t " + timestamp + ", "
                + ciphertext.length + " bytes sealed]";
    }
}
