package io.gridlet.enclave.sealing;


import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * One result line sealed for its subscriber: the subscriber key's id, the output file it belongs to and its
 * sequence number in that file (both in the clear, both covered by the tag, so a result cannot be moved, dropped
 * or replayed unnoticed by {@link ResultOpener}), and the AES-GCM ciphertext of the line.
 */
public record SealedResult(int keyId, String file, long sequence, byte[] nonce, byte[] ciphertext) {
    public void writeTo(DataOutput out) throws IOException {
        out.writeByte(keyId);
        out.writeUTF(file);
        out.writeLong(sequence);
        out.write(nonce);
        out.writeShort(ciphertext.length);
        out.write(ciphertext);
    }

    public static SealedResult readFrom(DataInput in) throws IOException {
        int keyId = in.readUnsignedByte();
        String file = in.readUTF();
        long sequence = in.readLong();
        byte[] nonce = new byte[SealedBlock.NONCE_BYTES];
        in.readFully(nonce);
        int n = in.readUnsignedShort();
        if (n < SealedBlock.TAG_BYTES) throw new SealException(SealException.Reason.MALFORMED, "ciphertext of " + n);
        byte[] ciphertext = new byte[n];
        in.readFully(ciphertext);
        return new SealedResult(keyId, file, sequence, nonce, ciphertext);
    }
}
