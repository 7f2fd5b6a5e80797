package io.gridlet.adaptlets;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A refusal because one of the {@link AdmissionLimits} is reached: which limit, who is over it, and when to retry.
 * On the wire it is RESOURCE_EXHAUSTED, described as {@code over the limit sessions-per-peer: 10.0.0.7 has 1000
 * sessions open; retry after 30000 ms}, with the trailers {@code gridlet-limit} (the limit's tag) and
 * {@code grpc-retry-pushback-ms} (gRPC's own retry pushback, which a channel with a retry policy honours).
 * Thrown where a limit is found deep in the work (opening a session), passed as a value elsewhere; it has no stack
 * trace, being an answer rather than a failure.
 */
public final class OverLimit extends RuntimeException {
    /** Trailer: the tag of the limit a call was refused by. */
    public static final Metadata.Key<String> LIMIT = Metadata.Key.of("gridlet-limit", Metadata.ASCII_STRING_MARSHALLER);
    /** Trailer: when to retry, as gRPC's retry pushback. */
    public static final Metadata.Key<String> RETRY_PUSHBACK_MS =
            Metadata.Key.of("grpc-retry-pushback-ms", Metadata.ASCII_STRING_MARSHALLER);

    private final AdmissionLimits.Limit limit;
    private final long retryAfterMillis;

    /** @param detail who is over the limit, by how much ({@code 10.0.0.7 has 1000 sessions open}) */
    public OverLimit(AdmissionLimits.Limit limit, String detail, long retryAfterMillis) {
        super(detail, null, false, false);
        this.limit = limit;
        this.retryAfterMillis = Math.max(1, retryAfterMillis);
    }

    public AdmissionLimits.Limit limit() {
        return limit;
    }

    public long retryAfterMillis() {
        return retryAfterMillis;
    }

    public Status status() {
        return Status.RESOURCE_EXHAUSTED.withDescription("over the limit " + limit.tag() + ": " + getMessage()
                + "; retry after " + retryAfterMillis + " ms");
    }

    public Metadata trailers() {
        Metadata m = new Metadata();
        m.put(LIMIT, limit.tag());
        m.put(RETRY_PUSHBACK_MS, Long.toString(retryAfterMillis));
        return m;
    }

    public StatusRuntimeException asStatusException() {
        return status().asRuntimeException(trailers());
    }

    /** Carries a refusal from where a call is admitted to where it is closed, in the call's own headers. */
    static final Metadata.BinaryMarshaller<OverLimit> IN_HEADERS = new Metadata.BinaryMarshaller<>() {
        @Override
        public byte[] toBytes(OverLimit o) {
            byte[] detail = o.getMessage().getBytes(StandardCharsets.UTF_8);
            return ByteBuffer.allocate(1 + 8 + detail.length).put((byte) o.limit.ordinal())
                    .putLong(o.retryAfterMillis).put(detail).array();
        }

        @Override
        public OverLimit parseBytes(byte[] serialized) {
            ByteBuffer b = ByteBuffer.wrap(serialized);
            AdmissionLimits.Limit limit = AdmissionLimits.Limit.values()[b.get()];
            long retry = b.getLong();
            return new OverLimit(limit, StandardCharsets.UTF_8.decode(b).toString(), retry);
        }
    };
}
