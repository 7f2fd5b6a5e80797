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
import io.grpc.MethodDescriptor;
import io.grpc.stub.ClientCalls;

import java.util.Collection;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The client end of a session: opens it by negotiating the client's policy with the server's
 * ({@code gridlet.Session/Open}), verifies the configuration against its own policy, and gives a {@link #channel()}
 * whose calls carry the session and run the configuration's client advice. Challenges from the server are answered
 * and the call retried without the application seeing it; when the server says the session is unknown or its
 * configuration changed, the session is renegotiated (the digest only, the text if the server asks) and the call
 * retried.
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
     * @throws io.gridlet.policy.PolicyException if the server refused (invalid policy, a limit, a conflict with
     *         the explanation) or answered a configuration this policy does not allow
     * @throws io.grpc.StatusRuntimeException if the call failed
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

    private SessionProtocol.Reply call(Negotiation.Offer offer) {
        return ClientCalls.blockingUnaryCall(base, SessionProtocol.OPEN,
                CallOptions.DEFAULT.withDeadlineAfter(openTimeoutMs, TimeUnit.MILLISECONDS), offer);
    }

    @Override
    public void close() {
        retries.shutdownNow();
    }
}
