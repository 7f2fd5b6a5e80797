package io.gridlet.adaptlets;

import io.gridlet.policy.Configuration;
import io.grpc.Attributes;
import io.grpc.CallOptions;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;

import java.util.Map;

/** Server sessions and call scopes outside a server, for the tests of single adaptlets. */
public final class TestSessions {
    private TestSessions() {
    }

    /** A session with this id and an empty configuration, as the server would hold it. */
    public static ServerSessions.Session session(String id) {
        return new ServerSessions.Session(id, "policy", ServerSessions.Resolved.of(new Configuration(Map.of())),
                System.nanoTime());
    }

    /** What a client advice sees of the first attempt of a call in the session with this id. */
    public static ClientScope clientScope(MethodDescriptor<?, ?> method, String sessionId) {
        ClientScope scope = new ClientScope(method, CallOptions.DEFAULT, new ClientSession.State(sessionId,
                new Configuration(Map.of()), "", null, new SessionData()));
        scope.nextAttempt(null);
        return scope;
    }

    /** What a server advice sees of a call in this session with these headers. */
    public static ServerScope scope(MethodDescriptor<?, ?> method, Metadata headers, ServerSessions.Session session) {
        return new ServerScope(method, headers, Attributes.EMPTY, session);
    }
}
