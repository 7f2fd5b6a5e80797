package io.gridlet.adaptlets;

import io.gridlet.policy.Configuration;
import io.gridlet.policy.Negotiation;
import io.gridlet.policy.Policy;
import io.gridlet.policy.PolicyParser;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;

import java.util.Collection;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The client end of a session: opens it by negotiating the client's policy with the server's
 * ({@code gridlet.session.v1.Session/Open}), verifies the configuration against its own policy, and gives a {@link #channel()}
 * whose calls carry the session and run the configuration's client advice. Challenges from the server are answered
 * and the call retried without the application seeing it; when the server says the session is unknown or its
 * configuration changed, the session is renegotiated (the digest only, the text if the server asks) and the call
 * retried. A loaded server may challenge the Open itself (a client puzzle, see {@link OpenGuard}): the adaptlet of
 * that name answers, up to {@link #MAX_OPEN_PUZZLE_BITS}, and the Open is retried.
 *
 * <p>Requests are kept for retries: the one request of a unary or server-streaming call, and the first
 * {@link #MAX_REPLAYED_MESSAGES} messages of a client-streaming or bidirectional call. A challenge that comes after
 * a stream has sent more than that cannot be answered by a retry, and the call fails with the server's status.
 */
public final class ClientSession implements AutoCloseable {
    /** How many messages of a streaming call are kept for a retry. */
    public static final int MAX_REPLAYED_MESSAGES = 64;
    /** Attempts per call: the first, plus answers to challenges and renegotiations. */
    public static final int MAX_ATTEMPTS = 4;
    /** The hardest puzzle this client solves to open a session (2^20 hashes: about a second on a small device). */
    public static final int MAX_OPEN_PUZZLE_BITS = 20;

    private final Channel base;
    private final Negotiation.Client negotiation;
    private final Weaver weaver;
    private final long openTimeoutMs;
    private final ExecutorService retries;
    private final Channel channel;
    private volatile State state;

    /** What the session runs now; replaced as a whole when it is renegotiated. */
    record State(String id, Configuration configuration, String digest, Weaver.Chain<ClientAdvice> chain,
                 SessionData data) {
    }

    private ClientSession(Channel base, String policyText, Collection<? extends Adaptlet> adaptlets,
                          long openTimeoutMs) {
        this.base = base;
        this.negotiation = new Negotiation.Client(policyText);
        this.weaver = new Weaver(adaptlets);
        this.openTimeoutMs = openTimeoutMs;
        Policy policy = PolicyParser.parse("client", policyText);
        TreeSet<String> missing = new TreeSet<>(policy.features().keySet());
        missing.removeAll(weaver.names());
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("the client policy declares " + missing
                    + ", which no adaptlet on this side implements (adaptlets: " + weaver.names() + ")");
        }
        this.retries = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "gridlet-session-retry");
            t.setDaemon(true);
            return t;
        });
        this.channel = ClientInterceptors.intercept(base, new ClientInterceptor() {
            @Override
            public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options,
                                                         Channel next) {
                return new WovenCall<>(ClientSession.this, method, options, next);
            }
        });
    }

    /**
     * Opens a session on this channel.
     *
     * @throws io.gridlet.policy.PolicyException if the server refused (invalid policy, a policy over a bound, a
     *         conflict with the explanation) or answered a configuration this policy does not allow
     * @throws StatusRuntimeException if the call failed: RESOURCE_EXHAUSTED when the server is over one of its
     *         limits (the description says which and when to retry), or challenged the Open and no adaptlet here
     *         answers
     */
    public static ClientSession open(Channel channel, String policyText, Collection<? extends Adaptlet> adaptlets) {
        return open(channel, policyText, adaptlets, 10_000);
    }

    public static ClientSession open(Channel channel, String policyText, Collection<? extends Adaptlet> adaptlets,
                                     long openTimeoutMs) {
        ClientSession s = new ClientSession(channel, policyText, adaptlets, openTimeoutMs);
        try {
            s.state = s.negotiate(true);
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
        return s;
    }

    /** The channel whose calls run in this session. */
    public Channel channel() {
        return channel;
    }

    public Configuration configuration() {
        return state.configuration();
    }

    public String id() {
        return state.id();
    }

    /** The client adaptlets in their run order. */
    public Weaver weaver() {
        return weaver;
    }

    State state() {
        return state;
    }

    ExecutorService retries() {
        return retries;
    }

    /**
     * Opens the session again unless another call already did since {@code stale} was current; returns the
     * session to use.
     */
    State renegotiate(State stale) {
        synchronized (this) {
            if (state != stale) return state;
            state = negotiate(false);
            return state;
        }
    }

    private State negotiate(boolean withText) {
        SessionProtocol.Reply reply = call(negotiation.offer(withText));
        if (reply.answer() instanceof Negotiation.NeedPolicy) reply = call(negotiation.offer(true));
        Configuration c = negotiation.verify(reply.answer());
        return new State(reply.sessionId(), c, SessionProtocol.digest(c), weaver.clientChain(c), new SessionData());
    }

    /** One Open, answering the server's challenges (a puzzle on a loaded server) with the adaptlet it names. */
    private SessionProtocol.Reply call(Negotiation.Offer offer) {
        Channel channel = base;
        for (int attempt = 1; ; attempt++) {
            try {
                return ClientCalls.blockingUnaryCall(channel, SessionProtocol.OPEN,
                        CallOptions.DEFAULT.withDeadlineAfter(openTimeoutMs, TimeUnit.MILLISECONDS), offer);
            } catch (StatusRuntimeException e) {
                Metadata trailers = e.getTrailers();
                String challenger = trailers == null ? null : trailers.get(Headers.CHALLENGE);
                if (challenger == null || attempt >= MAX_ATTEMPTS) throw e;
                Metadata answer = answerOpen(challenger, trailers);
                if (answer == null) {
                    throw e.getStatus().augmentDescription("no adaptlet here answers " + challenger
                            + "'s challenge to open a session").asRuntimeException(trailers);
                }
                channel = ClientInterceptors.intercept(base, MetadataUtils.newAttachHeadersInterceptor(answer));
            }
        }
    }

    /** The headers answering a challenge on Open, or null if no adaptlet here guards Open under that name. */
    private Metadata answerOpen(String challenger, Metadata trailers) {
        if (!(weaver.adaptlet(challenger) instanceof OpenGuard guard)) return null;
        ClientAdvice advice = guard.client(guard.openParameters(MAX_OPEN_PUZZLE_BITS));
        State opening = new State("", new Configuration(Map.of()), "", null, new SessionData()); // no session yet
        ClientScope scope = new ClientScope(SessionProtocol.OPEN, CallOptions.DEFAULT, opening);
        scope.nextAttempt(trailers);
        return advice.answer(scope) ? scope.headers() : null;
    }

    @Override
    public void close() {
        retries.shutdownNow();
    }
}
