package io.gridlet.server.live;

import io.gridlet.client.LiveProtocol;
import io.gridlet.core.wire.Ack;
import io.gridlet.core.wire.ReadingBatch;
import io.grpc.CallOptions;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A raw ingest stream in a session, as a hostile or buggy meter would drive it: send any bytes, take acks or the
 * stream's end. With helpers that write readings and batches in the wire layout byte by byte (not through the
 * codecs under test).
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
        return Ack.decode((byte[]) a);
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

    /** A load reading of house {@code house} in the wire layout. */
    static byte[] reading(long timestamp, long milliValue, int property, long house) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeLong(timestamp);
            out.writeLong(timestamp);
            out.writeLong(milliValue);
            out.writeByte(property);
            out.writeLong(0);
            out.writeLong(0);
            out.writeLong(house);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return bytes.toByteArray();
    }

    /** A reading of house 0 in the wire layout, valid unless the arguments say otherwise. */
    static byte[] bad(long timestamp, long milliValue, int property) {
        return reading(timestamp, milliValue, property, 0);
    }

    static byte[] good(long seq) {
        return bad(1_377_986_401L + seq, 1_000 * seq, 1);
    }

    static byte[] batch(String meter, long firstSeq, byte[]... readings) {
        return batch(ReadingBatch.VERSION, meter, firstSeq, List.of(readings));
    }

    /** A batch of sealed (opaque) readings: each prefixed by its length. */
    static byte[] sealedBatch(String meter, long firstSeq, List<byte[]> sealed) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(body)) {
            for (byte[] r : sealed) {
                out.writeShort(r.length);
                out.write(r);
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return batch(ReadingBatch.SEALED, meter, firstSeq, List.of(body.toByteArray()), sealed.size());
    }

    private static byte[] batch(int version, String meter, long firstSeq, List<byte[]> readings) {
        return batch(version, meter, firstSeq, readings, readings.size());
    }

    private static byte[] batch(int version, String meter, long firstSeq, List<byte[]> parts, int count) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(version);
            out.writeUTF(meter);
            out.writeLong(firstSeq);
            out.writeInt(count);
            for (byte[] r : parts) out.write(r);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return bytes.toByteArray();
    }
}
