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
 * to the application through gRPC's {@link Context} (the caller's identity, its priority). An authentication
 * adaptlet tells the session who the caller is ({@link #authenticated}), for the per-identity quotas
 * ({@link #limits()}) and the serving order.
 */
public final class ServerScope {
    private final MethodDescriptor<?, ?> method;
    private final Metadata headers;
    private final Attributes attributes;
    private final ServerSessions.Session session;
    private final ServerSessions sessions;      // null: a session outside any table (benchmarks)
    private final Metadata trailers = new Metadata();
    private int compression; // the gzip level the responses are sent at; 0: as the application says
    private final List<Context.Key<?>> keys = new ArrayList<>(2);
    private final List<Object> values = new ArrayList<>(2);

    ServerScope(MethodDescriptor<?, ?> method, Metadata headers, Attributes attributes,
                ServerSessions.Session session) {
        this(method, headers, attributes, session, null);
    }

    ServerScope(MethodDescriptor<?, ?> method, Metadata headers, Attributes attributes,
                ServerSessions.Session session, ServerSessions sessions) {
        this.method = method;
        this.headers = headers;
        this.attributes = attributes;
        this.session = session;
        this.sessions = sessions;
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

    /** The server's limits, for the quotas an adaptlet keeps itself (its one-time values per identity). */
    public AdmissionLimits limits() {
        return sessions == null ? AdmissionLimits.DEFAULTS : sessions.limits();
    }

    /**
     * Whom the one-time values this call leaves behind count against: the identity that authenticated in the
     * session, or the session itself while none has (a puzzle is checked before the caller authenticates; on
     * {@code Open}, before there is a session, a stand-in named after the caller's address).
     */
    public String owner() {
        String identity = session.identity();
        return identity != null ? identity : session.id();
    }

    /**
     * The caller proved to be {@code identity} (an authentication adaptlet says so): the session is that
     * identity's from now on, counting against its quotas, and what later calls are ranked by. Returns false if
     * the session is another identity's: a session is one caller's, so refuse the call.
     */
    public boolean authenticated(String identity) {
        return sessions == null ? session.claim(identity) : sessions.bind(session, identity);
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

    /** Send this call's responses gzip-compressed at {@code level} (1..9; {@code compress} does). */
    public void compress(int level) {
        compression = level;
    }

    int compression() {
        return compression;
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
