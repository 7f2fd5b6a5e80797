package io.gridlet.client;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.ByteString;
import io.gridlet.core.csv.RejectReason;
import io.gridlet.core.model.Measurement;
import io.gridlet.core.wire.Ack;
import io.gridlet.core.wire.ReadingBatch;
import io.gridlet.proto.ingest.v1.Readings;
import io.gridlet.proto.ingest.v1.Rejection;
import io.gridlet.proto.ingest.v1.SealedReadings;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The live service's messages fuzzed with Jazzer (coverage-guided, for a few seconds in every build: JAZZER_FUZZ=1 is
 * set for this module's tests): what a meter sends the gateway (a batch, {@link IngestWire#decode}), what the
 * gateway answers ({@link IngestWire#decodeAck}), what a subscriber sends ({@link LiveProtocol.Subscription}) and what
 * the service streams back ({@link LiveProtocol.Result}). Jazzer fuzzes one test per JVM, so this one test takes all
 * four; the first number it consumes picks one, the next whether the input is raw bytes or a message built with the
 * generated protobuf classes, its fields in and around their ranges (columns of different lengths too), maybe with
 * bytes after it.
 *
 * <p>The contracts: a malformed message is an IllegalArgumentException (the service answers INVALID_ARGUMENT) and
 * nothing else. A decoded batch has 1..128 bytes of meter name (the one {@link IngestWire#meterOf} reads, which
 * never throws), {@code firstSeq >= 1}, a count within the limit, sequence numbers that do not overflow; a sealed
 * batch holds count readings of 1..1024 bytes numbered on from firstSeq; a plain one splits firstSeq..lastSeq between
 * valid readings (fields in range) and rejected ones (each with a reason), each side in increasing order, and the
 * valid readings survive encode/decode. What else decodes is valid (a subscription's query is q1, q2 or empty, its
 * house -1 or 32 bits) and survives encode/decode.
 */
class LiveProtocolFuzzTest {
    private static final long MAX_U32 = 0xFFFF_FFFFL;
    private static final String[] LABELS = Arrays.stream(RejectReason.values()).map(RejectReason::label)
            .toArray(String[]::new);

    @FuzzTest(maxDuration = "5s")
    // Jazzer passes it to libFuzzer as the timeout of one input (a hang is a finding, not a stalled build);
    // JUnit applies it to the whole fuzzing run too: keep maxDuration well under it.
    @Timeout(30)
    @DictionaryEntries({"q1", "q2", "q1-", "q2-", "bad-number", "bad-property", "negative-load", "\u0001", "\u0000"})
    void messagesFailOnlyWithIllegalArgument(FuzzedDataProvider data) {
        int kind = data.consumeInt(0, 3);
        boolean laidOut = data.consumeBoolean();
        byte[] message;
        if (!laidOut) {
            message = data.consumeRemainingAsBytes();
        } else {
            byte[] body = switch (kind) {
                case 0 -> batchLayout(data);
                case 1 -> ackLayout(data);
                case 2 -> subscriptionLayout(data);
                default -> io.gridlet.proto.results.v1.Result.newBuilder().setFile(data.consumeString(64))
                        .setLine(data.consumeString(256)).build().toByteArray();
            };
            byte[] tail = data.consumeBoolean() ? data.consumeRemainingAsBytes() : new byte[0];
            message = Arrays.copyOf(body, body.length + tail.length);
            System.arraycopy(tail, 0, message, body.length, tail.length);
        }
        switch (kind) {
            case 0 -> checkBatch(message);
            case 1 -> checkAck(message);
            case 2 -> checkSubscription(message);
            default -> checkResult(message);
        }
    }

    static void checkBatch(byte[] message) {
        String claimed;
        try {
            claimed = IngestWire.meterOf(message);
        } catch (Throwable t) {
            throw escaped("IngestWire.meterOf (null when it cannot tell)", t);
        }
        ReadingBatch.Decoded d, reference;
        try {
            reference = IngestWire.decodeGenerated(message);
        } catch (IllegalArgumentException e) {
            reference = null;
        } catch (Throwable t) {
            throw escaped("IngestWire.decodeGenerated", t);
        }
        try {
            d = IngestWire.decode(message);
        } catch (IllegalArgumentException e) {
            check(reference == null, "the fast path refused what the generated parser reads: " + e);
            return;
        } catch (Throwable t) {
            throw escaped("IngestWire.decode", t);
        }
        check(reference != null, "the fast path read what the generated parser refuses");
        IngestWireTest.assertSame(d, reference);
        check(d.meter() != null && d.meter().equals(claimed), "meterOf says " + claimed + ", decode " + d.meter());
        int nameBytes = d.meter().getBytes(StandardCharsets.UTF_8).length;
        check(nameBytes >= 1 && nameBytes <= ReadingBatch.MAX_METER_BYTES, "a meter name of " + nameBytes + " bytes");
        check(d.firstSeq() >= 1, "firstSeq " + d.firstSeq());
        check(d.count() >= 0 && d.count() <= ReadingBatch.MAX_READINGS, "count " + d.count());
        check(d.firstSeq() <= Long.MAX_VALUE - d.count(), "sequence numbers overflow: " + d.firstSeq() + " + "
                + d.count());
        if (d.isSealed()) {
            check(d.valid().isEmpty() && d.rejected().isEmpty(), "a sealed batch with plain readings");
            check(d.sealed().size() == d.count() && d.seqs().length == d.count(), "count " + d.count() + ", "
                    + d.sealed().size() + " sealed readings, " + d.seqs().length + " sequence numbers");
            for (int i = 0; i < d.count(); i++) {
                check(d.seqs()[i] == d.firstSeq() + i, "sealed reading " + i + " numbered " + d.seqs()[i]);
                int n = d.sealed().get(i).length;
                check(n >= 1 && n <= ReadingBatch.MAX_SEALED_BYTES, "a sealed reading of " + n + " bytes");
            }
            ReadingBatch.Decoded again = IngestWire.decode(IngestWire.encodeSealed(d.meter(), d.firstSeq(),
                    d.sealed()));
            check(again.sealed().size() == d.count(), "a sealed batch does not survive encode/decode");
            for (int i = 0; i < d.count(); i++) {
                check(Arrays.equals(again.sealed().get(i), d.sealed().get(i)), "sealed reading " + i + " changed");
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
        ReadingBatch.Decoded again = IngestWire.decode(IngestWire.encode(new ReadingBatch(d.meter(), d.firstSeq(),
                d.valid())));
        check(again.valid().equals(d.valid()) && again.rejected().isEmpty(),
                "the valid readings do not survive encode/decode");
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
            a = IngestWire.decodeAck(message);
        } catch (IllegalArgumentException e) {
            return;
        } catch (Throwable t) {
            throw escaped("IngestWire.decodeAck", t);
        }
        check(a.skipped() >= 0, "skipped " + a.skipped());
        check(a.rejected().size() <= ReadingBatch.MAX_READINGS, a.rejected().size() + " rejections");
        for (ReadingBatch.Rejected r : a.rejected()) {
            check(r.reason() != null && r.message() != null, "a rejection without a reason: " + r);
        }
        check(IngestWire.decodeAck(IngestWire.encode(a)).equals(a), "an ack does not survive encode/decode: " + a);
    }

    static void checkSubscription(byte[] message) {
        LiveProtocol.Subscription s;
        try {
            s = LiveProtocol.Subscription.decode(message);
        } catch (IllegalArgumentException e) {
            return;
        } catch (Throwable t) {
            throw escaped("Subscription.decode", t);
        }
        check(s.query().isEmpty() || s.query().equals("q1") || s.query().equals("q2"), "query " + s.query());
        check(s.house() >= -1 && s.house() <= MAX_U32, "house " + s.house());
        check(LiveProtocol.Subscription.decode(s.encode()).equals(s), "does not survive encode/decode: " + s);
        s.wants(s.query() + "-x", s.house()); // a subscription that decodes can be asked (never throws)
    }

    static void checkResult(byte[] message) {
        LiveProtocol.Result r;
        try {
            r = LiveProtocol.Result.decode(message);
        } catch (IllegalArgumentException e) {
            return;
        } catch (Throwable t) {
            throw escaped("Result.decode", t);
        }
        check(r.file() != null && r.line() != null, "a result without file or line: " + r);
        check(LiveProtocol.Result.decode(r.encode()).equals(r), "does not survive encode/decode: " + r);
    }

    // ---- inputs built as the messages are ----

    /** A batch, its fields drawn in and around their ranges, its columns maybe of different lengths. */
    private static byte[] batchLayout(FuzzedDataProvider data) {
        var b = io.gridlet.proto.ingest.v1.ReadingBatch.newBuilder()
                .setMeter(data.consumeString(ReadingBatch.MAX_METER_BYTES + 2))
                .setFirstSeq(data.consumeBoolean() ? data.consumeLong(-1, 3) : data.consumeLong());
        int n = data.consumeInt(0, 6);
        if (data.consumeBoolean()) {
            SealedReadings.Builder s = SealedReadings.newBuilder();
            for (int i = 0; i < n; i++) {
                s.addReading(ByteString.copyFrom(data.consumeBytes(data.consumeInt(0,
                        ReadingBatch.MAX_SEALED_BYTES + 1))));
            }
            b.setSealed(s);
        } else if (n > 0 || data.consumeBoolean()) {
            Readings.Builder r = Readings.newBuilder();
            int ids = n + (data.consumeBoolean() ? 0 : data.consumeInt(-1, 1));
            for (int i = 0; i < ids; i++) r.addIdDelta(data.consumeLong());
            for (int i = 0; i < n; i++) {
                r.addTimestampDelta(data.consumeLong(-2, MAX_U32 + 1)).addValue(data.consumeLong(-2,
                        Measurement.MAX_LOAD_MILLIWATTS + 1)).addPlug(data.consumeInt())
                        .addHousehold(data.consumeInt()).addHouse(data.consumeInt());
            }
            byte[] property = new byte[Math.max(0, n + (data.consumeBoolean() ? 0 : data.consumeInt(-1, 1)))];
            for (int i = 0; i < property.length; i++) property[i] = (byte) data.consumeInt(-1, 2);
            b.setReadings(r.setProperty(ByteString.copyFrom(property)));
        }
        return b.build().toByteArray();
    }

    /** An ack, its labels known or not. */
    private static byte[] ackLayout(FuzzedDataProvider data) {
        var a = io.gridlet.proto.ingest.v1.Ack.newBuilder().setLastSeq(data.consumeLong())
                .setSkipped(data.consumeBoolean() ? data.consumeLong(0, 10) : data.consumeLong());
        int n = data.consumeInt(0, 4);
        for (int i = 0; i < n; i++) {
            a.addRejected(Rejection.newBuilder().setSeq(data.consumeLong())
                    .setReason(data.consumeBoolean() ? data.pickValue(LABELS) : data.consumeString(16))
                    .setMessage(data.consumeString(64)));
        }
        return a.build().toByteArray();
    }

    private static byte[] subscriptionLayout(FuzzedDataProvider data) {
        var s = io.gridlet.proto.results.v1.Subscription.newBuilder()
                .setQuery(data.pickValue(new String[] {"", "q1", "q2", data.consumeString(4)}));
        if (data.consumeBoolean()) s.setHouse(data.consumeInt());
        return s.build().toByteArray();
    }

    private static boolean u32(long v) {
        return v >= 0 && v <= MAX_U32;
    }

    private static void check(boolean holds, String what) {
        if (!holds) throw new AssertionError(what);
    }

    private static AssertionError escaped(String decoder, Throwable t) {
        return new AssertionError(decoder + " may throw an IllegalArgumentException only, got " + t, t);
    }
}
