package io.gridlet.adaptlets;

import io.grpc.Attributes;
import io.grpc.Context;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Admits each call before any work is queued for it, and ranks it. gRPC asks for a call's executor once, as the
 * call arrives (on the transport's thread: the server's default executor is direct); the answer is either the
 * {@link ServingExecutor} at the call's rank, the negotiation thread for {@code gridlet.session.v1.Session/Open}, or, for a
 * call over a limit, a refusal: the call then runs where it is, only as far as this class's interceptor (the
 * outermost), which closes it with RESOURCE_EXHAUSTED ({@link OverLimit}). Opens have a thread of their own because
 * answering one may compile a peer's policy (up to the compile budget's CPU time): on the serving workers, a few
 * such Opens would hold every worker the application's calls need. The limits checked here, all in constant time:
 * <ul>
 *   <li>the serving queue: a new call finding {@link AdmissionLimits#queuedCalls()} calls waiting, or, if it is
 *       unverified (rank 0), finding half that many unverified calls waiting;</li>
 *   <li>the negotiation queue: an Open finding {@link AdmissionLimits#queuedOpens()} Opens waiting;</li>
 *   <li>{@code gridlet.session.v1.Session/Open} per peer address and second (a token bucket per peer);</li>
 *   <li>calls in flight per session and per identity (the identity that authenticated in the session before;
 *       released when the call ends, by its context's cancellation, which gRPC does for every call).</li>
 * </ul>
 *
 * <p>The rank comes from the session the call names, as earlier, checked calls left it: 1 once an identity
 * authenticated in it, plus the {@link ServingExecutor.ServingRank}s (a verified priority class, the work a puzzle
 * solution bound to the session shows); a call without a known session, or of a session nothing was verified in,
 * gets the lowest rank (0), whatever its headers claim, and such calls hold only a share of the workers while
 * verified callers are served ({@link AdmissionLimits#unverifiedWorkerShare()}).
 */
final class Admission implements ServerCallExecutorSupplier, ServerInterceptor {
    /** When to retry after the queue or a quota of calls in flight was full: calls take milliseconds. */
    private static final long CALL_RETRY_MS = 1000;
    /** Peers whose Open rate is tracked one by one; past it, new peers share one bucket until some go quiet. */
    private static final int MAX_TRACKED_PEERS = 65_536;
    /** Headers: a refusal decided on arrival, for the interceptor to answer. */
    private static final Metadata.Key<OverLimit> REFUSED =
            Metadata.Key.of("gridlet-refused" + Metadata.BINARY_HEADER_SUFFIX, OverLimit.IN_HEADERS);
    private static final Executor HERE = Runnable::run;

    private final ServingExecutor serving;
    private final ServingExecutor negotiation;
    private final ServerSessions sessions;
    private final List<ServingExecutor.ServingRank> ranks;
    private final AdmissionLimits limits;
    private final DecisionCounts outcomes;
    private final LongSupplier nanoClock;
    private final LongAdder arrivals = new LongAdder();
    private final Tally identityCalls = new Tally();
    private final ConcurrentHashMap<String, TokenBucket> opens = new ConcurrentHashMap<>();
    private final TokenBucket crowd;

    Admission(ServingExecutor serving, ServingExecutor negotiation, ServerSessions sessions,
              List<? extends ServingExecutor.ServingRank> ranks, DecisionCounts outcomes, LongSupplier nanoClock) {
        this.serving = serving;
        this.negotiation = negotiation;
        this.sessions = sessions;
        this.ranks = List.copyOf(ranks);
        this.limits = sessions.limits();
        this.outcomes = outcomes;
        this.nanoClock = nanoClock;
        this.crowd = newOpenBucket();
    }

    /** Calls that arrived so far, refused ones included. */
    long arrivals() {
        return arrivals.sum();
    }

    /**
     * Whether the server is loaded: its sessions, the calls or Opens waiting for a thread, or the policies open
     * sessions run are at half their limits or more. Open then needs a puzzle solved.
     */
    boolean loaded() {
        return 2L * sessions.size() >= limits.sessions() || 2L * serving.queueLength() >= limits.queuedCalls()
                || 2L * negotiation.queueLength() >= limits.queuedOpens()
                || 2L * sessions.policies().pinned() >= limits.compiledPolicies();
    }

    @Override
    public <Q, R> Executor getExecutor(ServerCall<Q, R> call, Metadata headers) {
        headers.discardAll(REFUSED); // only this class says a call is refused
        arrivals.increment();
        if (isOpen(call)) return refusedOr(admitOpen(call), headers, negotiation);
        ServerSessions.Session session = sessions.peek(headers.get(Headers.SESSION));
        int rank = rank(session, headers);
        Executor queued = session == null
                ? task -> serving.execute(rank, Integer.MAX_VALUE, task) // behind every session's calls
                : task -> serving.execute(rank, session.inFlight.get(), task);
        return refusedOr(admit(session, rank), headers, queued);
    }

    private Executor refusedOr(OverLimit over, Metadata headers, Executor admitted) {
        if (over == null) return admitted;
        outcomes.refused(over.limit());
        headers.put(REFUSED, over);
        return HERE; // closing it is cheaper than queuing it
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                      ServerCallHandler<Q, R> next) {
        OverLimit over = headers.get(REFUSED);
        if (over == null) return next.startCall(call, headers);
        call.close(over.status(), over.trailers());
        return new ServerCall.Listener<>() {
        };
    }

    /**
     * The serving rank of a call of this session (null: none): 1 if an identity authenticated in the session, plus
     * the adaptlets' ranks; 0 when nothing was verified.
     */
    int rank(ServerSessions.Session session, Metadata headers) {
        if (session == null) return 0;
        int r = session.identity() != null ? 1 : 0;
        for (ServingExecutor.ServingRank s : ranks) r += s.rank(session, headers);
        return r;
    }

    private OverLimit admitOpen(ServerCall<?, ?> call) {
        int opens = negotiation.queueLength();
        if (opens >= limits.queuedOpens()) {
            return new OverLimit(AdmissionLimits.Limit.QUEUED_OPENS, opens + " Opens wait to be negotiated",
                    CALL_RETRY_MS);
        }
        String peer = peerOf(call.getAttributes());
        TokenBucket bucket = openBucket(peer);
        if (bucket.tryTake()) return null;
        return new OverLimit(AdmissionLimits.Limit.OPENS_PER_PEER, peer + " opens sessions faster than "
                + limits.opensPerPeerPerSecond() + " a second", bucket.millisUntilToken());
    }

    private OverLimit admit(ServerSessions.Session session, int rank) {
        int waiting = serving.queueLength();
        if (waiting >= limits.queuedCalls()) {
            return new OverLimit(AdmissionLimits.Limit.QUEUED_CALLS, waiting + " calls wait for a worker",
                    CALL_RETRY_MS);
        }
        if (rank == 0 && 2 * serving.lowestRankQueueLength() >= limits.queuedCalls()) {
            return new OverLimit(AdmissionLimits.Limit.QUEUED_CALLS, "half the serving queue holds unverified "
                    + "calls", CALL_RETRY_MS); // the other half is kept for verified callers
        }
        if (session == null) return null; // refused soon enough by the session check
        if (session.inFlight.incrementAndGet() > limits.callsPerSession()) {
            session.inFlight.decrementAndGet();
            return new OverLimit(AdmissionLimits.Limit.CALLS_PER_SESSION, "the session has "
                    + limits.callsPerSession() + " calls in flight", CALL_RETRY_MS);
        }
        String identity = session.identity();
        if (identity != null && !identityCalls.tryAcquire(identity, limits.callsPerIdentity())) {
            session.inFlight.decrementAndGet();
            return new OverLimit(AdmissionLimits.Limit.CALLS_PER_IDENTITY, identity + " has "
                    + limits.callsPerIdentity() + " calls in flight", CALL_RETRY_MS);
        }
        // the call's context (current here) is cancelled when the call ends, however it ends
        Context.current().addListener(ended -> {
            if (identity != null) identityCalls.release(identity);
            session.inFlight.decrementAndGet();
        }, HERE);
        return null;
    }

    private static boolean isOpen(ServerCall<?, ?> call) {
        return call.getMethodDescriptor().getFullMethodName().equals(SessionProtocol.OPEN.getFullMethodName());
    }

    private TokenBucket openBucket(String peer) {
        TokenBucket b = opens.get(peer);
        if (b != null) return b;
        if (opens.size() >= MAX_TRACKED_PEERS) return crowd;
        return opens.computeIfAbsent(peer, p -> newOpenBucket());
    }

    private TokenBucket newOpenBucket() {
        return new TokenBucket(limits.opensPerPeerPerSecond(), 2 * limits.opensPerPeerPerSecond(), nanoClock);
    }

    /** Forgets the peers that have been quiet long enough for their bucket to refill: they lose nothing. */
    void prune() {
        opens.values().removeIf(TokenBucket::isFull);
    }

    /**
     * The peer a call comes from, as quotas count it: the client's IP address; an IPv6 address by its /64, since
     * one host commonly holds a whole /64.
     */
    static String peerOf(Attributes attributes) {
        SocketAddress address = attributes.get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        if (address instanceof InetSocketAddress inet && inet.getAddress() != null) {
            InetAddress ip = inet.getAddress();
            if (!(ip instanceof Inet6Address)) return ip.getHostAddress();
            try {
                return InetAddress.getByAddress(Arrays.copyOf(Arrays.copyOf(ip.getAddress(), 8), 16))
                        .getHostAddress() + "/64";
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e); // 16 bytes are always an address
            }
        }
        return String.valueOf(address);
    }
}
