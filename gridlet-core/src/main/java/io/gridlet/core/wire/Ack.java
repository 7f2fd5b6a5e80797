package io.gridlet.core.wire;

import io.gridlet.core.csv.RejectReason;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The gateway's answer to a {@link ReadingBatch}: every reading of this meter up to {@code lastSeq} is durable
 * (or was refused, and then it is in {@code rejected} with its reason); the meter may forget them. The answer to
 * an empty batch says where to resume.
 *
 * <p>Wire form: {@code byte version (1), long lastSeq, int n}, then per refusal {@code long seq, UTF reason label,
 * UTF message}.
 */
public record Ack(long lastSeq, List<ReadingBatch.Rejected> rejected) {
    public static final int VERSION = 1;
    private static final int MAX_REJECTED = ReadingBatch.MAX_READINGS;

    public Ack {
        rejected = List.copyOf(rejected);
    }

    public byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(16 + rejected.size() * 64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            out.writeLong(lastSeq);
            out.writeInt(rejected.size());
            for (ReadingBatch.Rejected r : rejected) {
                out.writeLong(r.seq());
                out.writeUTF(r.reason().label());
                out.writeUTF(r.message());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static Ack decode(byte[] message) {
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(message));
            int version = in.readUnsignedByte();
            if (version != VERSION) throw new IllegalArgumentException("unknown ack version " + version);
            long lastSeq = in.readLong();
            int n = in.readInt();
            if (n < 0 || n > MAX_REJECTED) throw new IllegalArgumentException("rejection count " + n);
            List<ReadingBatch.Rejected> rejected = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                long seq = in.readLong();
                String label = in.readUTF();
                RejectReason reason = null;
                for (RejectReason r : RejectReason.values()) if (r.label().equals(label)) reason = r;
                if (reason == null) throw new IllegalArgumentException("unknown rejection reason " + label);
                rejected.add(new ReadingBatch.Rejected(seq, reason, in.readUTF()));
            }
            if (in.available() != 0) throw new IllegalArgumentException("bytes after the ack");
            return new Ack(lastSeq, rejected);
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated ack", e);
        }
    }
}
