package io.gridlet.adaptlets;

import io.gridlet.policy.Negotiation;
import io.grpc.Attributes;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;

import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import java.util.function.BooleanSupplier;

/**
 * The session service, {@code gridlet.session.v1.Session/Open}: answers an offer with a configuration and a new session
 * ({@link ServerSessions#open}), or with the limit it is over (RESOURCE_EXHAUSTED). The negotiated defences guard
 * the negotiation too: while the server is loaded, an Open must carry a solved client puzzle, asked for and checked
 * by the server advice of the {@link OpenGuard} adaptlet as on any woven call, bound to the caller's address since
 * there is no session yet; {@link ClientSession} answers it transparently. A connection with a verified client
 * certificate has authenticated already and is not asked. Outcomes are counted as adaptlet {@code session}:
 * {@code opened}, {@code open-refused}, {@code open-puzzle-challenged}, ...
 */
final class SessionService {
    /** The caller's address as quotas count it ({@link Admission#peerOf}), for the Open handler. */
    private static final Context.Key<String> PEER = Context.key("gridlet-peer");

    private final ServerSessions sessions;
    private final String guardName;
    private final ServerAdvice guard;
    private final BooleanSupplier loaded;
    private final DecisionCounts outcomes;

    /** @param guard the adaptlet guarding Open under load (null: none, Open is only limited by the quotas) */
    SessionService(ServerSessions sessions, OpenGuard guard, BooleanSupplier loaded, DecisionCounts outcomes) {
        int difficulty = sessions.limits().openPuzzleBits();
        boolean guarded = guard != null && difficulty > 0;
        this.sessions = sessions;
        this.guardName = guarded ? guard.name() : null;
        this.guard = guarded ? guard.server(guard.openParameters(difficulty)) : null;
        this.loaded = loaded;
        this.outcomes = outcomes;
    }

    ServerServiceDefinition definition() {
        ServerServiceDefinition open = ServerServiceDefinition.builder(SessionProtocol.SERVICE)
                .addMethod(SessionProtocol.OPEN_BYTES, ServerCalls.asyncUnaryCall(this::open))
                .build();
        return ServerInterceptors.intercept(open, new Gate());
    }

    private void open(byte[] request, StreamObserver<SessionProtocol.Reply> response) {
        Negotiation.Offer offer;
        try {
            offer = SessionProtocol.decodeOffer(request);
        } catch (StatusRuntimeException e) { // INVALID_ARGUMENT, saying why
            outcomes.count(WovenServer.SESSION, "open-malformed");
            response.onError(e);
            return;
        }
        SessionProtocol.Reply reply;
        try {
            reply = sessions.open(offer, PEER.get());
        } catch (OverLimit e) {
            outcomes.refused(e.limit());
            response.onError(e.asStatusException());
            return;
        }
        outcomes.count(WovenServer.SESSION, reply.sessionId() != null ? "opened"
                : "open-" + reply.answer().getClass().getSimpleName().toLowerCase());
        response.onNext(reply);
        response.onCompleted();
    }

    /** Asks for the guard's answer on a loaded server, and binds the caller's address for the handler. */
    private final class Gate implements ServerInterceptor {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                          ServerCallHandler<Q, R> next) {
            String peer = Admission.peerOf(call.getAttributes());
            if (guard != null && loaded.getAsBoolean() && !hasVerifiedCertificate(call.getAttributes())) {
                ServerScope scope = new ServerScope(call.getMethodDescriptor(), headers, call.getAttributes(),
                        sessions.forOpen(peer), sessions);
                Verdict v = guard.onCall(scope);
                outcomes.count(WovenServer.SESSION, "open-" + guardName + "-" + v.outcome());
                if (v.kind() != Verdict.Kind.PROCEED) {
                    WovenServer.end(call, v, guardName, scope.trailers(), outcomes);
                    return new ServerCall.Listener<>() {
                    };
                }
            }
            return Contexts.interceptCall(Context.current().withValue(PEER, peer), call, headers, next);
        }
    }

    private static boolean hasVerifiedCertificate(Attributes attributes) {
        SSLSession tls = attributes.get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
        if (tls == null) return false;
        try {
            return tls.getPeerCertificates().length > 0;
        } catch (SSLPeerUnverifiedException e) {
            return false;
        }
    }
}
