package io.gridlet.client;

import io.gridlet.core.model.Measurement;
import io.gridlet.core.model.Property;
import io.gridlet.core.wire.ReadingBatch;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The batch codec's fast paths against the generated protobuf code, the reference: {@link IngestWire#encode} writes
 * exactly the generated serializer's bytes, {@link IngestWire#decode} reads what the generated parser reads, on
 * generated batches (fixed seeds) and edge values. (LiveProtocolFuzzTest holds decode to the parser on any bytes.)
 */
class IngestWireTest {
    private static final long U32 = 0xFFFF_FFFFL;

    static List<Measurement> readings(Random r, int n) {
        List<Measurement> out = new ArrayList<>(n);
        long id = r.nextLong(), ts = r.nextInt(1 << 30);
        for (int i = 0; i < n; i++) {
            id += r.nextInt(5) == 0 ? r.nextLong() : r.nextInt(3); // u64 ids: any bits, deltas of any size
            ts = Math.max(0, Math.min(U32, ts + r.nextInt(7) - 2));
            boolean load = r.nextBoolean();
            long value = load ? r.nextInt(Integer.MAX_VALUE) : (r.nextLong() >>> 1) >>> r.nextInt(63);
            out.add(new Measurement(id, ts, value, load ? Property.LOAD : Property.WORK, r.nextLong() & U32,
                    r.nextInt(3) == 0 ? U32 : r.nextInt(40), r.nextInt(1 << r.nextInt(31))));
        }
        return out;
    }

    @Test
    void encodeWritesTheGeneratedBytesAndDecodeReadsWhatTheParserReads() {
        Random r = new Random(20261130);
        for (int round = 0; round < 2_000; round++) {
            int n = round % 50 == 0 ? 0 : r.nextInt(round % 10 == 0 ? ReadingBatch.MAX_READINGS + 1 : 40);
            ReadingBatch b = new ReadingBatch("meter-" + r.nextInt(1000) + (round % 7 == 0 ? "-ü€" : ""),
                    1 + (r.nextBoolean() ? r.nextInt(1000) : r.nextLong() >>> 1) / 2, readings(r, n));
            byte[] bytes = IngestWire.encode(b);
            assertThat(bytes).as("round %d", round).isEqualTo(IngestWire.encodeGenerated(b));
            ReadingBatch.Decoded fast = IngestWire.decode(bytes), reference = IngestWire.decodeGenerated(bytes);
            assertSame(fast, reference);
            assertThat(fast.rejected()).isEmpty();
            assertThat(fast.valid()).isEqualTo(b.readings());
        }
    }

    @Test
    void theFastPathRefusesWhatTheParserRefuses() {
        // a batch whose columns differ in length, one over the limit, one with a value out of range
        byte[] torn = io.gridlet.proto.ingest.v1.ReadingBatch.newBuilder().setMeter("m").setFirstSeq(1)
                .setReadings(io.gridlet.proto.ingest.v1.Readings.newBuilder().addIdDelta(1).addTimestampDelta(1))
                .build().toByteArray();
        assertThatThrownBy(() -> IngestWire.decode(torn)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("columns of different lengths");
        var big = io.gridlet.proto.ingest.v1.Readings.newBuilder();
        for (int i = 0; i <= ReadingBatch.MAX_READINGS; i++) {
            big.addIdDelta(1).addTimestampDelta(1).addValue(1).addPlug(0).addHousehold(0).addHouse(0);
        }
        byte[] tooMany = io.gridlet.proto.ingest.v1.ReadingBatch.newBuilder().setMeter("m").setFirstSeq(1)
                .setReadings(big.setProperty(com.google.protobuf.ByteString.copyFrom(
                        new byte[ReadingBatch.MAX_READINGS + 1]))).build().toByteArray();
        assertThatThrownBy(() -> IngestWire.decode(tooMany)).hasMessageContaining("reading count 10001");
        byte[] negative = io.gridlet.proto.ingest.v1.ReadingBatch.newBuilder().setMeter("m").setFirstSeq(1)
                .setReadings(io.gridlet.proto.ingest.v1.Readings.newBuilder().addIdDelta(1).addTimestampDelta(-1)
                        .addValue(-5).addPlug(0).addHousehold(0).addHouse(0)
                        .setProperty(com.google.protobuf.ByteString.copyFrom(new byte[] {1})))
                .build().toByteArray();
        ReadingBatch.Decoded d = IngestWire.decode(negative);
        assertThat(d.rejected()).hasSize(1);
        assertSame(d, IngestWire.decodeGenerated(negative));
    }

    @Test
    void whatAPeerCanMakeTheParserHoldIsBounded() {
        var unknown = com.google.protobuf.UnknownFieldSet.newBuilder();
        for (int i = 0; i < 65; i++) {
            unknown.addField(100 + i, com.google.protobuf.UnknownFieldSet.Field.newBuilder().addVarint(i).build());
        }
        byte[] padded = io.gridlet.proto.ingest.v1.ReadingBatch.newBuilder().setMeter("m").setFirstSeq(1)
                .setUnknownFields(unknown.build()).build().toByteArray();
        assertThatThrownBy(() -> IngestWire.decode(padded)).hasMessageContaining("more than 64 unknown fields");
        // a column far past the limit is refused before the parser reads it into memory (one byte per entry)
        byte[] column = io.gridlet.proto.ingest.v1.ReadingBatch.newBuilder().setMeter("m").setFirstSeq(1)
                .setReadings(io.gridlet.proto.ingest.v1.Readings.newBuilder().addAllIdDelta(
                        java.util.Collections.nCopies(100_000, 0L))).build().toByteArray();
        assertThatThrownBy(() -> IngestWire.decode(column)).hasMessageContaining("more than 10001 entries");
        var ack = io.gridlet.proto.ingest.v1.Ack.newBuilder();
        for (int i = 0; i <= io.gridlet.core.wire.Ack.MAX_REJECTED; i++) {
            ack.addRejected(io.gridlet.proto.ingest.v1.Rejection.newBuilder().setSeq(i));
        }
        byte[] many = ack.build().toByteArray();
        assertThatThrownBy(() -> IngestWire.decodeAck(many)).hasMessageContaining("more than 10000 entries");
        // an unknown group: one field to skip, but the parser would keep every field inside it
        var group = com.google.protobuf.UnknownFieldSet.newBuilder();
        var inner = com.google.protobuf.UnknownFieldSet.newBuilder();
        for (int i = 0; i < 1_000; i++) {
            inner.addField(1 + i, com.google.protobuf.UnknownFieldSet.Field.newBuilder().addVarint(1).build());
        }
        group.addField(99, com.google.protobuf.UnknownFieldSet.Field.newBuilder().addGroup(inner.build()).build());
        byte[] grouped = io.gridlet.proto.ingest.v1.ReadingBatch.newBuilder().setMeter("m").setFirstSeq(1)
                .setUnknownFields(group.build()).build().toByteArray();
        assertThatThrownBy(() -> IngestWire.decode(grouped)).hasMessageContaining("a group");
        byte[] subscription = io.gridlet.proto.results.v1.Subscription.newBuilder().setQuery("q1")
                .setUnknownFields(unknown.build()).build().toByteArray();
        assertThatThrownBy(() -> LiveProtocol.Subscription.decode(subscription))
                .hasMessageContaining("more than 64 unknown fields");
    }

    static void assertSame(ReadingBatch.Decoded a, ReadingBatch.Decoded b) {
        assertThat(a.meter()).isEqualTo(b.meter());
        assertThat(a.firstSeq()).isEqualTo(b.firstSeq());
        assertThat(a.count()).isEqualTo(b.count());
        assertThat(a.seqs()).isEqualTo(b.seqs());
        assertThat(a.valid()).isEqualTo(b.valid());
        assertThat(a.rejected()).isEqualTo(b.rejected());
        assertThat(a.isSealed()).isEqualTo(b.isSealed());
        if (a.isSealed()) {
            assertThat(a.sealed()).hasSameSizeAs(b.sealed());
            for (int i = 0; i < a.sealed().size(); i++) assertThat(Arrays.equals(a.sealed().get(i), b.sealed().get(i))).isTrue();
        }
    }
}
