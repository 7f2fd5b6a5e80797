package io.gridlet.adaptlets;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

import java.util.List;

/**
 * The server side of the weaving, one interceptor for all woven services. For each call it finds the session,
 * checks that the client runs the session's current configuration and the same adaptlets on this method (a
 * mismatch is refused with FAILED_PRECONDITION, never downgraded), then runs the server advice in order: the first
 * refusal or challenge ends the call (counted per adaptlet and outcome; a refusal for being over a limit also by
 * the limit). Advice also sees each request message and adds trailers when the application closes the call.
 */
final class WovenServer implements ServerInterceptor {
    static final String SESSION = "session";

    private final ServerSessions sessions;
    private final Weaver weaver;
    private final DecisionCounts outcomes;

    WovenServer(ServerSessions sessions, Weaver weaver, DecisionCounts outcomes) {
        this.sessions = sessions;
        this.weaver = weaver;
        this.outcomes = outcomes;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                      ServerCallHandler<Q, R> next) {
        String id = headers.get(Headers.SESSION);
        if (id == null) {
            return refuse(call, SESSION, "missing", Status.FAILED_PRECONDITION.withDescription(
                    "no session: open one with " + SessionProtocol.OPEN.getFullMethodName() + " first"), false);
        }
        ServerSessions.Session session = sessions.lookup(id);
        if (session == null) {
            return refuse(call, SESSION, "unknown", Status.FAILED_PRECONDITION.withDescription(
                    "unknown or expired session; open a new one"), true);
        }
        ServerSessions.Resolved resolved = session.resolved();
        if (!resolved.digest().equals(headers.get(Headers.CONFIG))) {
            // its client opens another session now and never comes back to this one: it would only hold quotas
            if (session.reconfigured()) sessions.remove(session);
            return refuse(call, SESSION, "stale-configuration", Status.FAILED_PRECONDITION.withDescription(
                    "the session's configuration is now " + resolved.configuration().canonical() + "; renegotiate"),
                    true);
        }
        Weaver.Applied<ServerAdvice> applied = weaver.serverChain(resolved.digest(), resolved.configuration())
                .forMethod(call.getMethodDescriptor());
        String ran = headers.get(Headers.ADAPTLETS);
        if (!applied.header().equals(ran == null ? "" : ran)) {
            return refuse(call, SESSION, "adaptlet-mismatch", Status.FAILED_PRECONDITION.withDescription(
                    "adaptlet set mismatch on " + call.getMethodDescriptor().getFullMethodName() + ": the call ran ["
                            + (ran == null ? "" : ran) + "], the session runs [" + applied.header() + "]"), false);
        }
        outcomes.count(SESSION, "accepted");
        if (applied.isEmpty()) return keepAlive(next.startCall(call, headers), session);

        ServerScope scope = new ServerScope(call.getMethodDescriptor(), headers, call.getAttributes(), session,
                sessions);
        List<String> names = applied.names();
        List<ServerAdvice> advice = applied.advice();
        for (int i = 0; i < advice.size(); i++) {
            Verdict v = advice.get(i).onCall(scope);
            outcomes.count(names.get(i), v.outcome());
            if (v.kind() != Verdict.Kind.PROCEED) {
                end(call, v, names.get(i), scope.trailers(), outcomes);
                return new ServerCall.Listener<>() {
                };
            }
        }
        if (scope.compression() > 0) call.setCompression(MessageCompression.encoding());
        Advised<Q, R> advised = new Advised<>(call, scope, names, advice);
        Context context = scope.context();
        ServerCall.Listener<Q> app = context == Context.current()
                ? next.startCall(advised, headers)
                : Contexts.interceptCall(context, advised, headers, next);
        return keepAlive(advised.listen(app), session);
    }

    /** Each message of the call marks its session used (a long stream keeps it from going idle). */
    private <Q> ServerCall.Listener<Q> keepAlive(ServerCall.Listener<Q> listener, ServerSessions.Session session) {
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
            @Override
            public void onMessage(Q message) {
                sessions.touch(session);
                super.onMessage(message);
            }
        };
    }

    /**
     * Ends a call that {@code adaptlet}'s advice refused or challenged, with the advice's trailers (and, for a
     * challenge, who challenged; for a limit, which and when to retry, also counted).
     */
    static void end(ServerCall<?, ?> call, Verdict v, String adaptlet, Metadata trailers, DecisionCounts outcomes) {
        if (v.kind() == Verdict.Kind.CHALLENGE) trailers.put(Headers.CHALLENGE, adaptlet);
        if (v.overLimit() != null) {
            outcomes.refused(v.overLimit().limit());
            trailers.merge(v.overLimit().trailers());
        }
        call.close(v.status(), trailers);
    }

    private <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, String adaptlet, String outcome,
                                                 Status status, boolean renegotiate) {
        outcomes.count(adaptlet, outcome);
        Metadata trailers = new Metadata();
        if (renegotiate) trailers.put(Headers.RENEGOTIATE, "1");
        call.close(status, trailers);
        return new ServerCall.Listener<>() {
        };
    }

    /** The call as the application sees it: advice adds trailers at close; request checks may end it early. */
    private final class Advised<Q, R> extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
        private final ServerScope scope;
        private final List<String> names;
        private final List<ServerAdvice> advice;
        private volatile boolean closed;

        Advised(ServerCall<Q, R> call, ServerScope scope, List<String> names, List<ServerAdvice> advice) {
            super(call);
            this.scope = scope;
            this.names = names;
            this.advice = advice;
        }

        @Override
        public void close(Status status, Metadata trailers) {
            if (closed) return; // an advice already ended the call
            closed = true;
            for (int i = advice.size() - 1; i >= 0; i--) advice.get(i).onClose(scope, status);
            trailers.merge(scope.trailers());
            super.close(status, trailers);
        }

        @Override
        public void sendHeaders(Metadata headers) {
            if (!closed) super.sendHeaders(headers);
        }

        @Override
        public void sendMessage(R message) {
            if (closed) return;
            int level = scope.compression();
            if (level == 0) {
                super.sendMessage(message);
                return;
            }
            MessageCompression.at(level, () -> Advised.super.sendMessage(message));
        }

        ServerCall.Listener<Q> listen(ServerCall.Listener<Q> app) {
            return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(app) {
                @Override
                public void onMessage(Q message) {
                    if (closed) return;
                    for (int i = 0; i < advice.size(); i++) {
                        Verdict v = advice.get(i).onRequest(scope, message);
                        if (v.kind() != Verdict.Kind.PROCEED) {
                            outcomes.count(names.get(i), v.outcome());
                            closed = true;
                            Metadata trailers = scope.trailers();
                            if (v.overLimit() != null) {
                                outcomes.refused(v.overLimit().limit());
                                trailers.merge(v.overLimit().trailers());
                            }
                            Advised.super.close(v.status(), trailers);
                            return;
                        }
                    }
                    super.onMessage(message);
                }

                @Override
                public void onHalfClose() {
                    if (!closed) super.onHalfClose();
                }
            };
        }
    }
}
