package io.gridlet.adaptlets;

import io.grpc.Attributes;
import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;

import java.util.ArrayList;
import java.util.List;

/**
 * What a server advice sees of one call: the method, the request headers, the transport's attributes (peer
 * address, TLS session), the session, and the trailers going back. {@link #get} of call data reads the request
 * headers; {@link #put} of call data goes into the trailers. {@link #bind} hands a value to the later adaptlets and
 * to the application through gRPC's {@link Context} (the caller's identity, its priority).
 */
public final class ServerScope {
    private final MethodDescriptor<?, ?> method;
    private final Metadata headers;
    private final Attributes attributes;
    private final ServerSessions.Session session;
    private final Metadata trailers = new Metadata();
    private final List<Context.Key<?>> keys = new ArrayList<>(2);
    private final List<Object> values = new ArrayList<>(2);

    ServerScope(MethodDescriptor<?, ?> method, Metadata headers, Attributes attributes,
                ServerSessions.Session session) {
        this.method = method;
        this.headers = headers;
        this.attributes = attributes;
        this.session = session;
    }

    public MethodDescriptor<?, ?> method() {
        return method;
    }

    public Metadata headers() {
        return headers;
    }

    public Attributes attributes() {
        return attributes;
    }

    public String sessionId() {
        return session.id();
    }

    public SessionData session() {
        return session.data();
    }

    public <T> T get(DataSlot<T> key) {
        return key.scope() == DataSlot.Scope.SESSION ? session.data().get(key) : headers.get(key.header());
    }

    public <T> void put(DataSlot<T> key, T value) {
        if (key.scope() == DataSlot.Scope.SESSION) {
            session.data().put(key, value);
        } else {
            trailers.discardAll(key.header());
            trailers.put(key.header(), value);
        }
    }

    /** Makes a value visible to the adaptlets after this one and to the application ({@code key.get()}). */
    public <T> void bind(Context.Key<T> key, T value) {
        keys.add(key);
        values.add(value);
    }

    /** A value an earlier adaptlet bound on this call, or null. */
    @SuppressWarnings("unchecked")
    public <T> T bound(Context.Key<T> key) {
        for (int i = keys.size() - 1; i >= 0; i--) {
            if (keys.get(i) == key) return (T) values.get(i);
        }
        return null;
    }

    Metadata trailers() {
        return trailers;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    Context context() {
        Context c = Context.current();
        for (int i = 0; i < keys.size(); i++) c = c.withValue((Context.Key) keys.get(i), values.get(i));
        return c;
    }
}
