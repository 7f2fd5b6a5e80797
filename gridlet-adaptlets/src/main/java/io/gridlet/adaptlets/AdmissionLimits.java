package io.gridlet.adaptlets;

import java.time.Duration;
import java.util.Locale;

/**
 * What peers may make an {@link AdaptletServer} hold or do, declared in one place (per peer address, per identity,
 * per session, for the server as a whole), in the manner of Kafka's client quotas and Envoy's overload manager: a
 * call over a limit is answered RESOURCE_EXHAUSTED with a description naming the limit and when to retry (and the
 * trailers {@code gridlet-limit} and {@code grpc-retry-pushback-ms}; see {@link OverLimit}), and is counted as
 * {@code gridlet.admission.refused{reason=<limit>}}. Calls are admitted before any work is queued for them.
 *
 * <p>The defaults ({@link #DEFAULTS}):
 * <ul>
 *   <li>{@code queuedCalls} 4096: calls waiting for a worker; a new call finding that many waiting is refused
 *       (calls already admitted always keep their place).</li>
 *   <li>{@code sessions} 100,000 open at once, dropped after {@code sessionIdle} 10 minutes unused.</li>
 *   <li>{@code sessionsPerPeer} 1000 per client address (an IPv6 address counts by its /64): generous, because a
 *       site of meters behind one NAT address is one peer.</li>
 *   <li>{@code sessionsPerIdentity} 8: when an identity authenticates in a ninth session, its least recently used
 *       session is closed (its client reopens transparently if it is still there); an identity never holds more.</li>
 *   <li>{@code opensPerPeerPerSecond} 20 ({@code gridlet.Session/Open} calls, bursts of twice that): what one
 *       address may ask the server to negotiate and compile.</li>
 *   <li>{@code newPoliciesPerSecond} 5 (bursts of twice that): client policies not seen before compiled per
 *       second by the whole server; known policies are never limited. An offer may take up to 200 ms of CPU to
 *       compile (CompileBudget), so this bounds new policies to a second of CPU a second at the most: half of a
 *       2-core machine, whatever peers offer (a fleet shares one policy; new ones are rare).</li>
 *   <li>{@code compiledPolicies} 1024 distinct client policies kept compiled; those that open sessions run stay
 *       (pinned), the others are evicted least recently used first.</li>
 *   <li>{@code callsPerSession} 64 and {@code callsPerIdentity} 256 calls in flight (a meter holds one stream).</li>
 *   <li>{@code replayEntriesPerIdentity} 10,000 one-time values (signed calls' nonces, spent puzzles) an identity
 *       (before it authenticates: its session) may have remembered at once, about a minute of 160 calls a second;
 *       over it that identity is refused, not everyone.</li>
 *   <li>{@code openPuzzleBits} 16: when the server is loaded (sessions, waiting calls or pinned policies at half
 *       their limits), Open needs a client puzzle of this difficulty solved (0: never).</li>
 * </ul>
 */
public record AdmissionLimits(int queuedCalls, int sessions, Duration sessionIdle, int sessionsPerPeer,
                              int sessionsPerIdentity, double opensPerPeerPerSecond, double newPoliciesPerSecond,
                              int compiledPolicies, int callsPerSession, int callsPerIdentity,
                              int replayEntriesPerIdentity, int openPuzzleBits) {

    public static final AdmissionLimits DEFAULTS = new AdmissionLimits(4096, 100_000, Duration.ofMinutes(10), 1000,
            8, 20, 5, 1024, 64, 256, 10_000, 16);

    /** Each limit, by the tag its refusals are counted and answered under. */
    public enum Limit {
        QUEUED_CALLS, SESSIONS, SESSIONS_PER_PEER, SESSIONS_PER_IDENTITY, OPENS_PER_PEER, NEW_POLICIES,
        COMPILED_POLICIES, CALLS_PER_SESSION, CALLS_PER_IDENTITY, REPLAY_ENTRIES, REPLAY_ENTRIES_PER_IDENTITY;

        /** {@code sessions-per-peer}: the counter's {@code reason} and the {@code gridlet-limit} trailer. */
        public String tag() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    public AdmissionLimits {
        positive("queuedCalls", queuedCalls);
        positive("sessions", sessions);
        positive("sessionsPerPeer", sessionsPerPeer);
        positive("sessionsPerIdentity", sessionsPerIdentity);
        positive("compiledPolicies", compiledPolicies);
        positive("callsPerSession", callsPerSession);
        positive("callsPerIdentity", callsPerIdentity);
        positive("replayEntriesPerIdentity", replayEntriesPerIdentity);
        if (sessionIdle.isNegative() || sessionIdle.isZero()) {
            throw new IllegalArgumentException("sessionIdle must be positive, got " + sessionIdle);
        }
        if (!(opensPerPeerPerSecond > 0) || !(newPoliciesPerSecond > 0)) {
            throw new IllegalArgumentException("rates must be positive, got " + opensPerPeerPerSecond + " opens and "
                    + newPoliciesPerSecond + " new policies a second");
        }
        if (openPuzzleBits < 0 || openPuzzleBits > 64) {
            throw new IllegalArgumentException("openPuzzleBits must be 0..64, got " + openPuzzleBits);
        }
    }

    private static void positive(String name, int value) {
        if (value < 1) throw new IllegalArgumentException(name + " must be at least 1, got " + value);
    }

    public AdmissionLimits withQueuedCalls(int n) {
        return new AdmissionLimits(n, sessions, sessionIdle, sessionsPerPeer, sessionsPerIdentity,
                opensPerPeerPerSecond, newPoliciesPerSecond, compiledPolicies, callsPerSession, callsPerIdentity,
                replayEntriesPerIdentity, openPuzzleBits);
    }

    public AdmissionLimits withSessions(int n, Duration idle) {
        return new AdmissionLimits(queuedCalls, n, idle, sessionsPerPeer, sessionsPerIdentity,
                opensPerPeerPerSecond, newPoliciesPerSecond, compiledPolicies, callsPerSession, callsPerIdentity,
                replayEntriesPerIdentity, openPuzzleBits);
    }

    public AdmissionLimits withSessionsPerPeer(int n) {
        return new AdmissionLimits(queuedCalls, sessions, sessionIdle, n, sessionsPerIdentity,
                opensPerPeerPerSecond, newPoliciesPerSecond, compiledPolicies, callsPerSession, callsPerIdentity,
                replayEntriesPerIdentity, openPuzzleBits);
    }

    public AdmissionLimits withSessionsPerIdentity(int n) {
        return new AdmissionLimits(queuedCalls, sessions, sessionIdle, sessionsPerPeer, n,
                opensPerPeerPerSecond, newPoliciesPerSecond, compiledPolicies, callsPerSession, callsPerIdentity,
                replayEntriesPerIdentity, openPuzzleBits);
    }

    public AdmissionLimits withOpensPerPeerPerSecond(double rate) {
        return new AdmissionLimits(queuedCalls, sessions, sessionIdle, sessionsPerPeer, sessionsPerIdentity,
                rate, newPoliciesPerSecond, compiledPolicies, callsPerSession, callsPerIdentity,
                replayEntriesPerIdentity, openPuzzleBits);
    }

    public AdmissionLimits withNewPoliciesPerSecond(double rate) {
        return new AdmissionLimits(queuedCalls, sessions, sessionIdle, sessionsPerPeer, sessionsPerIdentity,
                opensPerPeerPerSecond, rate, compiledPolicies, callsPerSession, callsPerIdentity,
                replayEntriesPerIdentity, openPuzzleBits);
    }

    public AdmissionLimits withCompiledPolicies(int n) {
        return new AdmissionLimits(queuedCalls, sessions, sessionIdle, sessionsPerPeer, sessionsPerIdentity,
                opensPerPeerPerSecond, newPoliciesPerSecond, n, callsPerSession, callsPerIdentity,
                replayEntriesPerIdentity, openPuzzleBits);
    }

    public AdmissionLimits withCallsInFlight(int perSession, int perIdentity) {
        return new AdmissionLimits(queuedCalls, sessions, sessionIdle, sessionsPerPeer, sessionsPerIdentity,
                opensPerPeerPerSecond, newPoliciesPerSecond, compiledPolicies, perSession, perIdentity,
                replayEntriesPerIdentity, openPuzzleBits);
    }

    public AdmissionLimits withReplayEntriesPerIdentity(int n) {
        return new AdmissionLimits(queuedCalls, sessions, sessionIdle, sessionsPerPeer, sessionsPerIdentity,
                opensPerPeerPerSecond, newPoliciesPerSecond, compiledPolicies, callsPerSession, callsPerIdentity,
                n, openPuzzleBits);
    }

    public AdmissionLimits withOpenPuzzleBits(int bits) {
        return new AdmissionLimits(queuedCalls, sessions, sessionIdle, sessionsPerPeer, sessionsPerIdentity,
                opensPerPeerPerSecond, newPoliciesPerSecond, compiledPolicies, callsPerSession, callsPerIdentity,
                replayEntriesPerIdentity, bits);
    }
}
