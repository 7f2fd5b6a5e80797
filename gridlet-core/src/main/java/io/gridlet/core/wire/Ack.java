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
 * an empty batch says where to resume. {@code skipped} counts the sequence numbers the batch jumped over (its first
 * was more than one after the last one the gateway held): readings the meter never sent, counted by the gateway.
 *
 * <p>Wire form: {@code byte version (2), long lastSeq, long skipped, int n}, then per refusal {@code long seq, UTF
 * reason label, UTF message}. (Version 1, without {@code skipped}, is still read.)
 */
public record Ack(long lastSeq, long skipped, List<ReadingBatch.Rejected> rejected) {
    public static final int VERSION = 2;
    private static final int MAX_REJECTED = ReadingBatch.MAX_READINGS;

    public Ack {
        if (skipped < 0) throw new IllegalArgumentException("skipped must be >= 0, got " + skipped);
        rejected = List.copyOf(rejected);
    }

    public Ack(long lastSeq, List<ReadingBatch.Rejected> rejected) {
        this(lastSeq, 0, rejected);
    }

    public byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(16 + rejected.size() * 64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            out.writeLong(lastSeq);
            out.writeLong(skipped);
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
            if (version != VERSION && version != 1) throw new IllegalArgumentException("unknown ack version " + version);
            long lastSeq = in.readLong();
            long skipped = version == 1 ? 0 : in.readLong();
            if (skipped < 0) throw new IllegalArgumentException("negative skipped count " + skipped);
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
            return new Ack(lastSeq, skipped, rejected);
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated ack", e);
        }
    }
}
