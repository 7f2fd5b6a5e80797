package io.gridlet.server.live;

import com.google.protobuf.ByteString;
import io.gridlet.client.IngestWire;
import io.gridlet.client.LiveProtocol;
import io.gridlet.core.wire.Ack;
import io.gridlet.proto.ingest.v1.Readings;
import io.gridlet.proto.ingest.v1.SealedReadings;
import io.grpc.CallOptions;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;

import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A raw ingest stream in a session, as a hostile or buggy meter would drive it: send any bytes, take acks or the
 * stream's end. With helpers that build batches with the generated protobuf classes (not through the codec under
 * test), readings whatever their range.
 */
final class RawIngest implements StreamObserver<byte[]> {
    private final BlockingQueue<Object> answers = new LinkedBlockingQueue<>();
    private final StreamObserver<byte[]> requests;

    RawIngest(LiveFixture.Client client) {
        requests = ClientCalls.asyncBidiStreamingCall(client.session().channel().newCall(LiveProtocol.SEND,
                CallOptions.DEFAULT), this);
    }

    void send(byte[] message) {
        requests.onNext(message);
    }

    Ack ack() throws InterruptedException {
        Object a = answers.poll(10, TimeUnit.SECONDS);
        assertThat(a).as("an acknowledgement").isInstanceOf(byte[].class);
        return IngestWire.decodeAck((byte[]) a);
    }

    Status error() throws InterruptedException {
        Object a = answers.poll(10, TimeUnit.SECONDS);
        assertThat(a).as("the stream's end").isInstanceOf(Throwable.class);
        return Status.fromThrowable((Throwable) a);
    }

    @Override
    public void onNext(byte[] value) {
        answers.add(value);
    }

    @Override
    public void onError(Throwable t) {
        answers.add(t);
    }

    @Override
    public void onCompleted() {
        answers.add("completed");
    }

    /** One reading's fields as a meter would put them on the wire, whatever their range. */
    record Raw(long timestamp, long milliValue, int property, long house) {
    }

    /** A reading of house {@code house}, id = timestamp, plug and household 0. */
    static Raw reading(long timestamp, long milliValue, int property, long house) {
        return new Raw(timestamp, milliValue, property, house);
    }

    /** A reading of house 0, valid unless the arguments say otherwise. */
    static Raw bad(long timestamp, long milliValue, int property) {
        return reading(timestamp, milliValue, property, 0);
    }

    static Raw good(long seq) {
        return bad(1_377_986_401L + seq, 1_000 * seq, 1);
    }

    /**
     * A batch built with the generated protobuf classes (not through the codec under test): the columns as
     * proto/gridlet/ingest/v1 lays them out, ids and timestamps as differences.
     */
    static byte[] batch(String meter, long firstSeq, Raw... readings) {
        var b = io.gridlet.proto.ingest.v1.ReadingBatch.newBuilder().setMeter(meter).setFirstSeq(firstSeq);
        if (readings.length > 0) {
            Readings.Builder r = Readings.newBuilder();
            byte[] property = new byte[readings.length];
            long last = 0;
            for (int i = 0; i < readings.length; i++) {
                Raw x = readings[i];
                r.addIdDelta(x.timestamp() - last).addTimestampDelta(x.timestamp() - last).addValue(x.milliValue())
                        .addPlug(0).addHousehold(0).addHouse((int) x.house());
                property[i] = (byte) x.property();
                last = x.timestamp();
            }
            b.setReadings(r.setProperty(ByteString.copyFrom(property)));
        }
        return b.build().toByteArray();
    }

    /** A malformed batch: one reading torn (its columns of different lengths). */
    static byte[] torn(String meter, long firstSeq) {
        return io.gridlet.proto.ingest.v1.ReadingBatch.newBuilder().setMeter(meter).setFirstSeq(firstSeq)
                .setReadings(Readings.newBuilder().addIdDelta(1).addTimestampDelta(1).addValue(1)).build()
                .toByteArray();
    }

    /** A resume query followed by {@code n} unknown fields (distinct numbers: protobuf keeps each one). */
    static byte[] unknownFields(String meter, long firstSeq, int n) {
        var unknown = com.google.protobuf.UnknownFieldSet.newBuilder();
        for (int i = 0; i < n; i++) {
            unknown.addField(100 + i, com.google.protobuf.UnknownFieldSet.Field.newBuilder().addVarint(i).build());
        }
        return io.gridlet.proto.ingest.v1.ReadingBatch.newBuilder().setMeter(meter).setFirstSeq(firstSeq)
                .setUnknownFields(unknown.build()).build().toByteArray();
    }

    /** A batch of sealed (opaque) readings. */
    static byte[] sealedBatch(String meter, long firstSeq, List<byte[]> sealed) {
        SealedReadings.Builder s = SealedReadings.newBuilder();
        for (byte[] r : sealed) s.addReading(ByteString.copyFrom(r));
        return io.gridlet.proto.ingest.v1.ReadingBatch.newBuilder().setMeter(meter).setFirstSeq(firstSeq)
                .setSealed(s).build().toByteArray();
    }
}
