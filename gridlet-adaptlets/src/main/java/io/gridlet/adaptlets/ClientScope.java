package io.gridlet.adaptlets;

import io.grpc.CallOptions;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;

/**
 * What a client advice sees of one call: the method, the call options, the session, and the data of the current
 * attempt. {@link #put} of call data goes into the outgoing attempt's headers; {@link #get} of call data reads
 * the trailers the server sent back on the last attempt. Session data stays in the client's session.
 */
public final class ClientScope {
    private final MethodDescriptor<?, ?> method;
    private final CallOptions options;
    private final ClientSession.State session;
    private int attempt;
    private Metadata headers = new Metadata();
    private Metadata trailers = new Metadata();
    private int compression; // the gzip level this attempt's messages are sent at; 0: uncompressed

    ClientScope(MethodDescriptor<?, ?> method, CallOptions options, ClientSession.State session) {
        this.method = method;
        this.options = options;
        this.session = session;
    }

    public MethodDescriptor<?, ?> method() {
        return method;
    }

    public CallOptions options() {
        return options;
    }

    /** 1 for the first attempt, 2 after the first challenge, ... */
    public int attempt() {
        return attempt;
    }

    /** The session's id as the server knows it. */
    public String sessionId() {
        return session.id();
    }

    public SessionData session() {
        return session.data();
    }

    public <T> void put(DataSlot<T> key, T value) {
        if (key.scope() == DataSlot.Scope.SESSION) {
            session.data().put(key, value);
        } else {
            headers.discardAll(key.header());
            headers.put(key.header(), value);
        }
    }

    public <T> T get(DataSlot<T> key) {
        return key.scope() == DataSlot.Scope.SESSION ? session.data().get(key) : trailers.get(key.header());
    }

    /** Call data already put for the outgoing attempt (by an answer to a challenge, say), or null. */
    public <T> T outgoing(DataSlot<T> key) {
        return headers.get(key.header());
    }

    /** Send this attempt's messages gzip-compressed at {@code level} (1..9; {@code compress} does). */
    public void compress(int level) {
        compression = level;
    }

    int compression() {
        return compression;
    }

    Metadata headers() {
        return headers;
    }

    /** Starts the next attempt: fresh headers; the last attempt's trailers stay readable for the answer. */
    void nextAttempt(Metadata lastTrailers) {
        attempt++;
        headers = new Metadata();
        compression = 0;
        trailers = lastTrailers == null ? new Metadata() : lastTrailers;
    }

    void finished(Metadata lastTrailers) {
        trailers = lastTrailers == null ? new Metadata() : lastTrailers;
    }
}
