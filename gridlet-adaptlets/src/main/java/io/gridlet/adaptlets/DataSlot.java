package io.gridlet.adaptlets;

import io.grpc.Metadata;

import java.util.Objects;
import java.util.function.Function;

/**
 * A typed piece of data an adaptlet carries, and how long it lives:
 * <ul>
 *   <li>{@link Scope#CALL}: travels with one call, in the direction of whoever writes it: what the client half
 *       puts goes out in the request headers, what the server half puts comes back in the trailers (a challenge,
 *       the next puzzle). Needs a wire codec.</li>
 *   <li>{@link Scope#SESSION}: stays on the end that writes it, for the rest of the session (a puzzle solved
 *       ahead, a cached identity); not sent.</li>
 * </ul>
 */
public final class DataSlot<T> {
    public enum Scope { CALL, SESSION }

    private final String name;
    private final Scope scope;
    private final Metadata.Key<T> header;

    private DataSlot(String name, Scope scope, Metadata.Key<T> header) {
        this.name = name;
        this.scope = scope;
        this.header = header;
    }

    /** Data carried in one call's headers or trailers as {@code gridlet-<name>-bin}. */
    public static <T> DataSlot<T> call(String name, Function<T, byte[]> encode, Function<byte[], T> decode) {
        Objects.requireNonNull(encode);
        Objects.requireNonNull(decode);
        Metadata.BinaryMarshaller<T> marshaller = new Metadata.BinaryMarshaller<>() {
            @Override
            public byte[] toBytes(T value) {
                return encode.apply(value);
            }

            @Override
            public T parseBytes(byte[] serialized) {
                return decode.apply(serialized);
            }
        };
        return new DataSlot<>(name, Scope.CALL, Metadata.Key.of("gridlet-" + name + Metadata.BINARY_HEADER_SUFFIX,
                marshaller));
    }

    /** Raw bytes carried in one call's headers or trailers. */
    public static DataSlot<byte[]> call(String name) {
        return new DataSlot<>(name, Scope.CALL,
                Metadata.Key.of("gridlet-" + name + Metadata.BINARY_HEADER_SUFFIX, Metadata.BINARY_BYTE_MARSHALLER));
    }

    /** Data kept in the session on the end that writes it. */
    public static <T> DataSlot<T> session(String name) {
        return new DataSlot<>(name, Scope.SESSION, null);
    }

    public String name() {
        return name;
    }

    public Scope scope() {
        return scope;
    }

    /** This call data in raw headers or trailers (before any advice ran, say), or null. */
    public T in(Metadata metadata) {
        return metadata.get(header());
    }

    /** Puts this call data into raw headers or trailers (replacing a value there). */
    public void into(Metadata metadata, T value) {
        metadata.discardAll(header());
        metadata.put(header(), value);
    }

    Metadata.Key<T> header() {
        if (header == null) throw new IllegalStateException(name + " is session data: it is not sent with calls");
        return header;
    }

    @Override
    public String toString() {
        return name + " (" + scope.name().toLowerCase() + ")";
    }
}
