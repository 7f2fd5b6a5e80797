package io.gridlet.core.wire;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.gridlet.core.csv.RejectReason;
import io.gridlet.core.model.Measurement;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * What a meter sends the gateway ({@link ReadingBatch}) and what the gateway answers ({@link Ack}), fuzzed with
 * Jazzer (coverage-guided, for a few seconds in every build: JAZZER_FUZZ=1 is set for this module's tests). Jazzer
 * fuzzes one test per JVM, so this one test takes both decoders; the first byte it consumes picks one, the next
 * whether the input is raw bytes or laid out as the message is (valid lengths, fields in and out of range).
 *
 * <p>The contracts. {@link ReadingBatch#decode}: a malformed message is an IllegalArgumentException and nothing else;
 * a decoded batch has 1..128 bytes of meter name (the one {@link ReadingBatch#meterOf} reads, which never throws),
 * {@code firstSeq >= 1}, a count within the limit and sequence numbers that do not overflow; a sealed batch holds
 * count readings of 1..1024 bytes numbered on from firstSeq and re-encodes to the same bytes; a plain one splits
 * firstSeq..lastSeq between valid readings (fields in range) and rejected ones (each with a reason), each side in
 * increasing order, and, without rejections, {@code new ReadingBatch(...).encode()} gives the message back (where the
 * name's bytes are valid UTF-8: the decoder replaces what is not). {@link Ack#decode}: IllegalArgumentException only;
 * what decodes survives encode/decode, and re-encodes to the same bytes (a version 1 ack as version 2 with
 * {@code skipped} 0) where its strings are in writeUTF's form (readUTF also takes longer forms of a character).
 */
class WireFuzzTest {
    private static final long MAX_U32 = 0xFFFF_FFFFL;
    private static final String[] LABELS = labels();

    @FuzzTest(maxDuration = "5s")
    // Jazzer passes it to libFuzzer as the timeout of one input (a hang is a finding, not a stalled build);
    // JUnit applies it to the whole fuzzing run too: keep maxDuration well under it.
    @Timeout(30)
    @DictionaryEntries({"\u0001", "\u0002", "\u0000\u0001", "\u0000\u0080", "\u0000\u0000\u0000\u0000",
            "\u0000\u0000\u0000\u0001", "\u0000\u0000\u0027\u0010", "\u0000\u0000\u0027\u0011", "\u0004\u0000",
            "\u0004\u0001", "\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0001", "bad-number", "bad-property",
            "negative-load", "field-count", "late", "line-too-long", "unopenable", "too-far-ahead", "not-owned"})
    void batchesAndAcksFailOnlyWithIllegalArgumentAndKeepTheirForm(FuzzedDataProvider data) {
        boolean ack = data.consumeBoolean();
        boolean laidOut = data.consumeBoolean();
        byte[] message = !laidOut ? data.consumeRemainingAsBytes() : ack ? ackLayout(data) : batchLayout(data);
        if (ack) checkAck(message);
        else checkBatch(message);
    }

    static void checkBatch(byte[] message) {
        String claimed;
        try {
            claimed = ReadingBatch.meterOf(message);
        } catch (Throwable t) {
            throw escaped("ReadingBatch.meterOf", "nothing (null when it cannot tell)", t);
        }
        ReadingBatch.Decoded d;
        try {
            d = ReadingBatch.decode(message);
        } catch (IllegalArgumentException e) {
            return;
        } catch (Throwable t) {
            throw escaped("ReadingBatch.decode", "an IllegalArgumentException", t);
        }
        check(d.meter() != null && d.meter().equals(claimed), "meterOf says " + claimed + ", decode " + d.meter());
        int nameBytes = d.meter().getBytes(StandardCharsets.UTF_8).length;
        check(nameBytes >= 1 && nameBytes <= ReadingBatch.MAX_METER_BYTES, "a meter name of " + nameBytes + " bytes");
        check(d.firstSeq() >= 1, "firstSeq " + d.firstSeq());
        check(d.count() >= 0 && d.count() <= ReadingBatch.MAX_READINGS, "count " + d.count());
        check(d.firstSeq() <= Long.MAX_VALUE - d.count(), "sequence numbers overflow: " + d.firstSeq() + " + "
                + d.count());
        boolean canonicalName = nameRoundTrips(message, d.meter());
        if (d.isSealed()) {
            check(d.valid().isEmpty() && d.rejected().isEmpty(), "a sealed batch with plain readings");
            check(d.sealed().size() == d.count() && d.seqs().length == d.count(), "count " + d.count() + ", "
                    + d.sealed().size() + " sealed readings, " + d.seqs().length + " sequence numbers");
            for (int i = 0; i < d.count(); i++) {
                check(d.seqs()[i] == d.firstSeq() + i, "sealed reading " + i + " numbered " + d.seqs()[i]);
                int n = d.sealed().get(i).length;
                check(n >= 1 && n <= ReadingBatch.MAX_SEALED_BYTES, "a sealed reading of " + n + " bytes");
            }
            if (canonicalName) {
                check(Arrays.equals(ReadingBatch.encodeSealed(d.meter(), d.firstSeq(), d.sealed()), message),
                        "a sealed batch does not re-encode to its bytes");
            }
            return;
        }
        check(d.sealed() == null, "a plain batch with sealed readings");
        check(d.valid().size() + d.rejected().size() == d.count(), "count " + d.count() + " but " + d.valid().size()
                + " valid and " + d.rejected().size() + " rejected");
        check(d.seqs().length == d.valid().size(), d.seqs().length + " sequence numbers for " + d.valid().size()
                + " valid readings");
        boolean[] seen = new boolean[d.count()];
        long last = 0;
        for (long seq : d.seqs()) last = numbered(seq, last, d, seen);
        last = 0;
        for (ReadingBatch.Rejected r : d.rejected()) {
            last = numbered(r.seq(), last, d, seen);
            check(r.reason() != null && r.message() != null && !r.message().isBlank(), "a rejection without a reason: "
                    + r);
        }
        for (boolean s : seen) check(s, "a sequence number of the batch is neither valid nor rejected");
        for (Measurement m : d.valid()) {
            check(m.property() != null, "a reading without a property");
            check(m.timestamp() >= 0 && m.timestamp() <= MAX_U32, "timestamp out of range: " + m);
            check(u32(m.plugId()) && u32(m.householdId()) && u32(m.houseId()), "an id out of range: " + m);
            check(m.milliValue() >= 0, "a negative value: " + m);
            check(!m.isLoad() || m.milliValue() <= Measurement.MAX_LOAD_MILLIWATTS, "a load out of range: " + m);
        }
        byte[] again = new ReadingBatch(d.meter(), d.firstSeq(), d.valid()).encode();
        if (d.rejected().isEmpty() && canonicalName) {
            check(Arrays.equals(again, message), "a plain batch does not re-encode to its bytes");
        } else {
            ReadingBatch.Decoded valid = ReadingBatch.decode(again);
            check(valid.valid().equals(d.valid()) && valid.rejected().isEmpty(),
                    "the valid readings do not survive encode/decode");
        }
    }

    private static long numbered(long seq, long last, ReadingBatch.Decoded d, boolean[] seen) {
        check(seq >= d.firstSeq() && seq <= d.lastSeq(), "sequence number " + seq + " outside " + d.firstSeq()
                + ".." + d.lastSeq());
        check(last == 0 || seq > last, "sequence numbers not increasing: " + last + ", " + seq);
        int i = (int) (seq - d.firstSeq());
        check(!seen[i], "sequence number " + seq + " twice");
        seen[i] = true;
        return seq;
    }

    static void checkAck(byte[] message) {
        Ack a;
        try {
            a = Ack.decode(message);
        } catch (IllegalArgumentException e) {
            return;
        } catch (Throwable t) {
            throw escaped("Ack.decode", "an IllegalArgumentException", t);
        }
        check(a.skipped() >= 0, "skipped " + a.skipped());
        check(a.rejected().size() <= ReadingBatch.MAX_READINGS, a.rejected().size() + " rejections");
        for (ReadingBatch.Rejected r : a.rejected()) {
            check(r.reason() != null && r.message() != null, "a rejection without a reason: " + r);
        }
        byte[] again = a.encode();
        check(Ack.decode(again).equals(a), "an ack does not survive encode/decode: " + a);
        int version = message[0] & 0xff;
        if (!stringsInShortestForm(message, version)) return; // (then the strings re-encode shorter or longer)
        byte[] expected = version == Ack.VERSION ? message : asVersion2(message);
        check(Arrays.equals(again, expected), "a version " + version + " ack does not re-encode to its bytes: " + a);
    }

    /**
     * Whether every string of a decoded ack is in the form writeUTF gives it: readUTF also reads other forms of the
     * same characters (a character in more bytes than it needs, a NUL as one byte), which re-encode differently.
     */
    private static boolean stringsInShortestForm(byte[] message, int version) {
        ByteBuffer in = ByteBuffer.wrap(message);
        in.position(version == 1 ? 9 : 17);
        int n = in.getInt();
        for (int i = 0; i < 2 * n; i++) {
            if (i % 2 == 0) in.getLong(); // seq
            int start = in.position();
            int length = in.getShort() & 0xffff;
            byte[] utf = Arrays.copyOfRange(message, start, start + 2 + length);
            in.position(start + 2 + length);
            try {
                String s = new DataInputStream(new ByteArrayInputStream(utf)).readUTF();
                if (!Arrays.equals(write(out -> out.writeUTF(s)), utf)) return false;
            } catch (IOException e) {
                throw new AssertionError("a string of a decoded ack does not read", e);
            }
        }
        return true;
    }

    /** A version 1 ack as version 2 writes it: {@code skipped} (0) after lastSeq. */
    private static byte[] asVersion2(byte[] v1) {
        byte[] v2 = new byte[v1.length + 8];
        v2[0] = Ack.VERSION;
        System.arraycopy(v1, 1, v2, 1, 8);
        System.arraycopy(v1, 9, v2, 17, v1.length - 9);
        return v2;
    }

    /** Whether the name's bytes in the message are what the decoded name encodes to (valid UTF-8). */
    private static boolean nameRoundTrips(byte[] message, String meter) {
        int length = (message[1] & 0xff) << 8 | message[2] & 0xff;
        return Arrays.equals(Arrays.copyOfRange(message, 3, 3 + length), meter.getBytes(StandardCharsets.UTF_8));
    }

    // ---- inputs laid out as the messages are ----

    /** A batch as the wire form lays it out, its fields drawn in and around their ranges; maybe bytes after it. */
    private static byte[] batchLayout(FuzzedDataProvider data) {
        boolean sealed = data.consumeBoolean();
        byte[] name = data.consumeBytes(data.consumeInt(0, ReadingBatch.MAX_METER_BYTES + 2));
        int n = data.consumeInt(0, 6);
        return write(out -> {
            out.writeByte(sealed ? ReadingBatch.SEALED : ReadingBatch.VERSION);
            out.writeShort(name.length);
            out.write(name);
            out.writeLong(data.consumeBoolean() ? data.consumeLong(-1, 3) : data.consumeLong());
            out.writeInt(data.consumeBoolean() ? n : data.consumeInt());
            for (int i = 0; i < n; i++) {
                if (sealed) {
                    byte[] r = data.consumeBytes(data.consumeInt(0, ReadingBatch.MAX_SEALED_BYTES + 1));
                    out.writeShort(data.consumeBoolean() ? r.length : data.consumeInt(0, 0xffff));
                    out.write(r);
                } else {
                    out.writeLong(data.consumeLong());
                    out.writeLong(data.consumeLong(-2, MAX_U32 + 1));
                    out.writeLong(data.consumeLong(-2, Measurement.MAX_LOAD_MILLIWATTS + 1));
                    out.writeByte(data.consumeInt(-1, 2));
                    for (int id = 0; id < 3; id++) out.writeLong(data.consumeLong(-2, MAX_U32 + 1));
                }
            }
            if (data.consumeBoolean()) out.write(data.consumeRemainingAsBytes());
        });
    }

    /** An ack as the wire form lays it out (version 1 or 2), the labels known or not; maybe bytes after it. */
    private static byte[] ackLayout(FuzzedDataProvider data) {
        boolean v1 = data.consumeBoolean();
        int n = data.consumeInt(0, 4);
        return write(out -> {
            out.writeByte(v1 ? 1 : Ack.VERSION);
            out.writeLong(data.consumeLong());
            if (!v1) out.writeLong(data.consumeLong(-1, Long.MAX_VALUE));
            out.writeInt(data.consumeBoolean() ? n : data.consumeInt());
            for (int i = 0; i < n; i++) {
                out.writeLong(data.consumeLong());
                out.writeUTF(data.consumeBoolean() ? data.pickValue(LABELS) : data.consumeString(16));
                out.writeUTF(data.consumeString(64));
            }
            if (data.consumeBoolean()) out.write(data.consumeRemainingAsBytes());
        });
    }

    private interface Layout {
        void write(DataOutputStream out) throws IOException;
    }

    private static byte[] write(Layout layout) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            layout.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static String[] labels() {
        return Arrays.stream(RejectReason.values()).map(RejectReason::label).toArray(String[]::new);
    }

    private static boolean u32(long v) {
        return v >= 0 && v <= MAX_U32;
    }

    private static void check(boolean holds, String what) {
        if (!holds) throw new AssertionError(what);
    }

    private static AssertionError escaped(String decoder, String allowed, Throwable t) {
        return new AssertionError(decoder + " may throw " + allowed + ", got " + t, t);
    }
}
