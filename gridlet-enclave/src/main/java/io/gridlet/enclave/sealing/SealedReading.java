package io.gridlet.enclave.sealing;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A reading as the platform sees it: in the clear only what it needs to route and order readings (the data key's
 * id, the house's and the household's pseudonyms, the timestamp), the reading itself (id, value, load or work,
 * the real ids) in an AES-GCM ciphertext whose tag also covers the clear fields.
 */
public record SealedReading(int keyId, long house, long household, long timestamp, byte[] nonce, byte[] ciphertext) {
    public static final byte VERSION = 1;
    public static final int NONCE_BYTES = 12;
    public static final int TAG_BYTES = 16;

    public SealedReading {
        if (nonce.length != NONCE_BYTES) throw new IllegalArgumentException("a nonce of 12 bytes");
    }

    /** The binary form: version, key id, pseudonyms, timestamp, nonce, ciphertext length and bytes. */
    public void writeTo(DataOutput out) throws IOException {
        out.writeByte(VERSION);
        out.writeByte(keyId);
        out.writeLong(house);
        out.writeLong(household);
        out.writeLong(timestamp);
        writeSealed(out, nonce, ciphertext);
    }

    /** A nonce and a ciphertext as sealed values here carry them: the nonce, the ciphertext's length and bytes. */
    static void writeSealed(DataOutput out, byte[] nonce, byte[] ciphertext) throws IOException {
        out.write(nonce);
        out.writeShort(ciphertext.length);
        out.write(ciphertext);
    }

    static byte[] readNonce(DataInput in) throws IOException {
        byte[] nonce = new byte[NONCE_BYTES];
        in.readFully(nonce);
        return nonce;
    }

    /** A ciphertext of {@link #TAG_BYTES} to {@code max} bytes, or MALFORMED. */
    static byte[] readCiphertext(DataInput in, int max) throws IOException {
        int n = in.readUnsignedShort();
        if (n < TAG_BYTES || n > max) throw new SealException(SealException.Reason.MALFORMED, "ciphertext of " + n);
        byte[] ciphertext = new byte[n];
        in.readFully(ciphertext);
        return ciphertext;
    }

    /**
     * The clear timestamp of a sealed reading in its binary form, without reading the rest; -1 if the bytes are
     * not one (too short, another version).
     */
    public static long clearTimestamp(byte[] binary) {
        if (binary.length < 26 || binary[0] != VERSION) return -1;
        return ByteBuffer.wrap(binary).getLong(18); // version, key id, house, household, timestamp
    }

    public static SealedReading readFrom(DataInput in) throws IOException {
        byte version = in.readByte();
        if (version != VERSION) throw new SealException(SealException.Reason.MALFORMED, "unknown version " + version);
        return readAfterVersion(in);
    }

    /** {@link #readFrom} after its version byte (read, and checked, by the caller). */
    static SealedReading readAfterVersion(DataInput in) throws IOException {
        int keyId = in.readUnsignedByte();
        long house = in.readLong();
        long household = in.readLong();
        long timestamp = in.readLong();
        byte[] nonce = readNonce(in);
        return new SealedReading(keyId, house, household, timestamp, nonce, readCiphertext(in, 1024));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SealedReading s && keyId == s.keyId && house == s.house && household == s.household
                && timestamp == s.timestamp && Arrays.equals(nonce, s.nonce) && Arrays.equals(ciphertext, s.ciphertext);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(ciphertext);
    }

    @Override
    public String toString() {
        return "SealedReading[key " + keyId + ", house " + Long.toHexString(house) + ", household "
                + Long.toHexString(household) + ", t " + timestamp + ", " + ciphertext.length + " bytes sealed]";
    }
}
