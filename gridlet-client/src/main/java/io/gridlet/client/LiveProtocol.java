package io.gridlet.client;

import io.gridlet.core.wire.ReadingBatch;
import io.grpc.MethodDescriptor;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The live service's gRPC methods. Messages are the byte forms of {@link ReadingBatch} and
 * {@link io.gridlet.core.wire.Ack} (documented there) and of {@link Subscription} and {@link Result} (here):
 *
 * <ul>
 *   <li>{@code gridlet.Ingest/Send} (bidirectional): batches in, acknowledgements out, one per batch, in order;
 *   <li>{@code gridlet.Ingest/EndOfData} (unary, role {@code operator}): no more data will come; the job drains,
 *       writes its final result files and stops;
 *   <li>{@code gridlet.Results/Subscribe} (server streaming): result lines as the job produces them.
 * </ul>
 * Health is the standard {@code grpc.health.v1.Health} service, open without a session.
 */
public final class LiveProtocol {
    public static final String INGEST = "gridlet.Ingest";
    public static final String RESULTS = "gridlet.Results";
    /**
     * How the gateway's FAILED_PRECONDITION refusing readings after the end of the data begins: a meter takes it
     * as final ({@link Meter}), not as a reason to reconnect.
     */
    public static final String DATA_ENDED = "the data has ended";

    public static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    public static final MethodDescriptor<byte[], byte[]> SEND = method(INGEST, "Send",
            MethodDescriptor.MethodType.BIDI_STREAMING);
    public static final MethodDescriptor<byte[], byte[]> END_OF_DATA = method(INGEST, "EndOfData",
            MethodDescriptor.MethodType.UNARY);
    public static final MethodDescriptor<byte[], byte[]> SUBSCRIBE = method(RESULTS, "Subscribe",
            MethodDescriptor.MethodType.SERVER_STREAMING);

    private LiveProtocol() {
    }

    private static MethodDescriptor<byte[], byte[]> method(String service, String name,
                                                           MethodDescriptor.MethodType type) {
        return MethodDescriptor.<byte[], byte[]>newBuilder().setType(type)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(service, name))
                .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();
    }

    /** The meter a batch claims to come from (for authorization per message); null if it does not say. */
    public static String meterOf(Object message) {
        return ReadingBatch.meterOf((byte[]) message);
    }

    /**
     * What a subscriber wants: {@code query} "q1", "q2" or "" (both); {@code house} one house's results, or -1
     * for all. Bytes: {@code UTF query, long house}.
     */
    public record Subscription(String query, long house) {
        public Subscription {
            if (!query.isEmpty() && !query.equals("q1") && !query.equals("q2")) {
                throw new IllegalArgumentException("query must be q1, q2 or empty (both), got " + query);
            }
        }

        public byte[] encode() {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeUTF(query);
                out.writeLong(house);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return bytes.toByteArray();
        }

        public static Subscription decode(byte[] bytes) {
            try {
                DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
                Subscription s = new Subscription(in.readUTF(), in.readLong());
                if (in.available() != 0) throw new IllegalArgumentException("bytes after the subscription");
                return s;
            } catch (IOException e) {
                throw new IllegalArgumentException("truncated subscription", e);
            }
        }

        public boolean wants(String file, long resultHouse) {
            return (query.isEmpty() || file.startsWith(query + "-")) && (house < 0 || house == resultHouse);
        }
    }

    /** One result line and the output file it belongs to. Bytes: {@code UTF file, UTF line}. */
    public record Result(String file, String line) {
        public byte[] encode() {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(file.length() + line.length() + 4);
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeUTF(file);
                out.writeUTF(line);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return bytes.toByteArray();
        }

        public static Result decode(byte[] bytes) {
            try {
                DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
                return new Result(in.readUTF(), in.readUTF());
            } catch (IOException e) {
                throw new IllegalArgumentException("truncated result", e);
            }
        }
    }
}
