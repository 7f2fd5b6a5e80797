package io.gridlet.client;

import io.gridlet.proto.Bounds;
import io.gridlet.proto.ingest.v1.IngestGrpc;
import io.gridlet.proto.results.v1.ResultsGrpc;
import io.grpc.MethodDescriptor;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The live service's gRPC methods, as proto/gridlet/ingest/v1/ingest.proto and results/v1/results.proto declare
 * them. Messages travel as their bytes here ({@link IngestWire} converts batches and acknowledgements, this class
 * subscriptions and results), so the server decodes in its handlers and counts a malformed message:
 *
 * <ul>
 *   <li>{@code gridlet.ingest.v1.Ingest/Send} (bidirectional): batches in, acknowledgements out, one per batch,
 *       in order;
 *   <li>{@code gridlet.ingest.v1.Ingest/EndOfData} (unary, role {@code operator}): no more data will come; the job
 *       drains, writes its final result files and stops;
 *   <li>{@code gridlet.results.v1.Results/Subscribe} (server streaming): result lines as the job produces them.
 * </ul>
 * Health is the standard {@code grpc.health.v1.Health} service, open without a session.
 */
public final class LiveProtocol {
    public static final String INGEST = IngestGrpc.SERVICE_NAME;
    public static final String RESULTS = ResultsGrpc.SERVICE_NAME;
    /**
     * How the gateway's FAILED_PRECONDITION refusing readings after the end of the data begins: a meter takes it
     * as final ({@link Meter}), not as a reason to reconnect.
     */
    public static final String DATA_ENDED = "the data has ended";
    /** A subscription or a result has no repeated fields; a few unknown ones are skipped. */
    private static final Bounds SMALL = new Bounds(0, 64);

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

    public static final MethodDescriptor<byte[], byte[]> SEND = bytes(IngestGrpc.getSendMethod());
    public static final MethodDescriptor<byte[], byte[]> END_OF_DATA = bytes(IngestGrpc.getEndOfDataMethod());
    public static final MethodDescriptor<byte[], byte[]> SUBSCRIBE = bytes(ResultsGrpc.getSubscribeMethod());

    private LiveProtocol() {
    }

    /** A generated method with its messages as bytes: the same name, type and wire. */
    public static MethodDescriptor<byte[], byte[]> bytes(MethodDescriptor<?, ?> generated) {
        return generated.toBuilder(BYTES, BYTES).build();
    }

    /** The meter a batch claims to come from (for authorization per message); null if it does not say. */
    public static String meterOf(Object message) {
        return IngestWire.meterOf((byte[]) message);
    }

    /**
     * What a subscriber wants: {@code query} "q1", "q2" or "" (both); {@code house} one house's results, or -1
     * for all.
     */
    public record Subscription(String query, long house) {
        public Subscription {
            if (!query.isEmpty() && !query.equals("q1") && !query.equals("q2")) {
                throw new IllegalArgumentException("query must be q1, q2 or empty (both), got " + query);
            }
            if (house < -1 || house > 0xFFFF_FFFFL) {
                throw new IllegalArgumentException("house must be 0.." + 0xFFFF_FFFFL + " or -1 (all), got " + house);
            }
        }

        public byte[] encode() {
            var s = io.gridlet.proto.results.v1.Subscription.newBuilder().setQuery(query);
            if (house >= 0) s.setHouse((int) house);
            return s.build().toByteArray();
        }

        public static Subscription decode(byte[] bytes) {
            var s = SMALL.parse(io.gridlet.proto.results.v1.Subscription.getDefaultInstance(), bytes);
            return new Subscription(s.getQuery(), s.hasHouse() ? Integer.toUnsignedLong(s.getHouse()) : -1);
        }

        public boolean wants(String file, long resultHouse) {
            return (query.isEmpty() || file.startsWith(query + "-")) && (house < 0 || house == resultHouse);
        }
    }

    /** One result line and the output file it belongs to. */
    public record Result(String file, String line) {
        public byte[] encode() {
            return io.gridlet.proto.results.v1.Result.newBuilder().setFile(file).setLine(line).build().toByteArray();
        }

        public static Result decode(byte[] bytes) {
            var r = SMALL.parse(io.gridlet.proto.results.v1.Result.getDefaultInstance(), bytes);
            return new Result(r.getFile(), r.getLine());
        }
    }
}
