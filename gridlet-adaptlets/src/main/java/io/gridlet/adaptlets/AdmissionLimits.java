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
 * <p>The defaults ({@link #DEFAULTS}; others with {@link #toBuilder()}):
 * <ul>
 *   <li>{@code queuedCalls} 4096: calls waiting for a worker; a new call finding that many waiting is refused
 *       (calls already admitted always keep their place).</li>
 *   <li>{@code sessions} 100,000 open at once, dropped after {@code sessionIdle} 10 minutes unused.</li>
 *   <li>{@code sessionsPerPeer} 1000 per client address (an IPv6 address counts by its /64): generous, because a
 *       site of meters behind one NAT address is one peer.</li>
 *   <li>{@code sessionsPerIdentity} 8: when an identity authenticates in a ninth session, its least recently used
 *       session is closed (its client reopens transparently if it is still there); an identity never holds more.</li>
 *   <li>{@code opensPerPeerPerSecond} 20 ({@code gridlet.session.v1.Session/Open} calls, bursts of twice that): what one
 *       address may ask the server to negotiate and compile.</li>
 *   <li>{@code queuedOpens} 64: Opens waiting for the negotiation thread (Opens, which may compile a peer's
 *       policy, run on a thread of their own, never on the workers that serve the application's calls).</li>
 *   <li>{@code newPoliciesPerSecond} 5 (bursts of twice that): client policies not seen before compiled per
 *       second by the whole server; known policies are never limited.</li>
 *   <li>{@code compileCpuShare} 0.1: the share of one core that answering offers may use on average, measured as
 *       the negotiation thread's CPU time, each offer charged once answered (bursts of up to two compile budgets,
 *       400 ms); while offers have used more, new policies wait (known ones are still answered). An offer may take
 *       up to 200 ms of CPU (CompileBudget), so the rate alone would let peers take a second of CPU a second.</li>
 *   <li>{@code compiledPolicies} 1024 distinct client policies kept compiled; those that open sessions run stay
 *       (pinned), the others are evicted least recently used first.</li>
 *   <li>{@code callsPerSession} 64 and {@code callsPerIdentity} 256 calls in flight (a meter holds one stream).</li>
 *   <li>{@code replayEntriesPerIdentity} 10,000 one-time values (signed calls' nonces, spent puzzles) an identity
 *       (before it authenticates: its session) may have remembered at once, about a minute of 160 calls a second;
 *       over it that identity is refused, not everyone.</li>
 *   <li>{@code openPuzzleBits} 16: when the server is loaded (sessions, waiting calls or Opens, or pinned policies
 *       at half their limits), Open needs a client puzzle of this difficulty solved (0: never).</li>
 *   <li>{@code unverifiedWorkerShare} 0.5: while callers the server verified are being served (a call ranked above
 *       the lowest arrived in the last second), calls of the lowest rank (no session, or a session in which no
 *       identity authenticated and no puzzle was solved) hold at most this share of the workers (at least one):
 *       the rest stay free for verified callers, whom an anonymous flood would otherwise delay by a whole call
 *       each time a worker frees between two of their calls. With no verified caller about, every worker serves
 *       anyone.</li>
 * </ul>
 */
public record AdmissionLimits(int queuedCalls, int queuedOpens, int sessions, Duration sessionIdle,
                              int sessionsPerPeer, int sessionsPerIdentity, double opensPerPeerPerSecond,
                              double newPoliciesPerSecond, double compileCpuShare, int compiledPolicies,
                              int callsPerSession, int callsPerIdentity, int replayEntriesPerIdentity,
                              int openPuzzleBits, double unverifiedWorkerShare) {

    public static final AdmissionLimits DEFAULTS = new Builder().build();

    /** Each limit, by the tag its refusals are counted and answered under. */
    public enum Limit {
        QUEUED_CALLS, SESSIONS, SESSIONS_PER_PEER, SESSIONS_PER_IDENTITY, OPENS_PER_PEER, NEW_POLICIES,
        COMPILED_POLICIES, CALLS_PER_SESSION, CALLS_PER_IDENTITY, REPLAY_ENTRIES, REPLAY_ENTRIES_PER_IDENTITY,
        QUEUED_OPENS, COMPILE_CPU;

        /** {@code sessions-per-peer}: the counter's {@code reason} and the {@code gridlet-limit} trailer. */
        public String tag() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    public AdmissionLimits {
        positive("queuedCalls", queuedCalls);
        positive("queuedOpens", queuedOpens);
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
        if (!(opensPerPeerPerSecond > 0) || !(newPoliciesPerSecond > 0) || !(compileCpuShare > 0)) {
            throw new IllegalArgumentException("rates must be positive, got " + opensPerPeerPerSecond + " opens and "
                    + newPoliciesPerSecond + " new policies a second, a compile CPU share of " + compileCpuShare);
        }
        if (openPuzzleBits < 0 || openPuzzleBits > 64) {
            throw new IllegalArgumentException("openPuzzleBits must be 0..64, got " + openPuzzleBits);
        }
        if (!(unverifiedWorkerShare > 0) || unverifiedWorkerShare > 1) {
            throw new IllegalArgumentException("unverifiedWorkerShare must be in (0, 1], got " + unverifiedWorkerShare);
        }
    }

    private static void positive(String name, int value) {
        if (value < 1) throw new IllegalArgumentException(name + " must be at least 1, got " + value);
    }

    /** How many of {@code workers} calls of the lowest rank may hold while verified callers are served. */
    public int unverifiedWorkers(int workers) {
        return Math.max(1, (int) Math.floor(workers * unverifiedWorkerShare));
    }

    /** A builder starting from these limits. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Changes some limits; the others keep their values (the defaults, or those it was made from). */
    public static final class Builder {
        private int queuedCalls = 4096;
        private int queuedOpens = 64;
        private int sessions = 100_000;
        private Duration sessionIdle = Duration.ofMinutes(10);
        private int sessionsPerPeer = 1000;
        private int sessionsPerIdentity = 8;
        private double opensPerPeerPerSecond = 20;
        private double newPoliciesPerSecond = 5;
        private double compileCpuShare = 0.1;
        private int compiledPolicies = 1024;
        private int callsPerSession = 64;
        private int callsPerIdentity = 256;
        private int replayEntriesPerIdentity = 10_000;
        private int openPuzzleBits = 16;
        private double unverifiedWorkerShare = 0.5;

        private Builder() {
        }

        private Builder(AdmissionLimits l) {
            queuedCalls = l.queuedCalls;
            queuedOpens = l.queuedOpens;
            sessions = l.sessions;
            sessionIdle = l.sessionIdle;
            sessionsPerPeer = l.sessionsPerPeer;
            sessionsPerIdentity = l.sessionsPerIdentity;
            opensPerPeerPerSecond = l.opensPerPeerPerSecond;
            newPoliciesPerSecond = l.newPoliciesPerSecond;
            compileCpuShare = l.compileCpuShare;
            compiledPolicies = l.compiledPolicies;
            callsPerSession = l.callsPerSession;
            callsPerIdentity = l.callsPerIdentity;
            replayEntriesPerIdentity = l.replayEntriesPerIdentity;
            openPuzzleBits = l.openPuzzleBits;
            unverifiedWorkerShare = l.unverifiedWorkerShare;
        }

        public Builder queuedCalls(int n) {
            queuedCalls = n;
            return this;
        }

        public Builder queuedOpens(int n) {
            queuedOpens = n;
            return this;
        }

        public Builder sessions(int max, Duration idle) {
            sessions = max;
            sessionIdle = idle;
            return this;
        }

        public Builder sessionsPerPeer(int n) {
            sessionsPerPeer = n;
            return this;
        }

        public Builder sessionsPerIdentity(int n) {
            sessionsPerIdentity = n;
            return this;
        }

        public Builder opensPerPeerPerSecond(double rate) {
            opensPerPeerPerSecond = rate;
            return this;
        }

        public Builder newPoliciesPerSecond(double rate) {
            newPoliciesPerSecond = rate;
            return this;
        }

        public Builder compileCpuShare(double share) {
            compileCpuShare = share;
            return this;
        }

        public Builder compiledPolicies(int n) {
            compiledPolicies = n;
            return this;
        }

        public Builder callsInFlight(int perSession, int perIdentity) {
            callsPerSession = perSession;
            callsPerIdentity = perIdentity;
            return this;
        }

        public Builder replayEntriesPerIdentity(int n) {
            replayEntriesPerIdentity = n;
            return this;
        }

        public Builder openPuzzleBits(int bits) {
            openPuzzleBits = bits;
            return this;
        }

        public Builder unverifiedWorkerShare(double share) {
            unverifiedWorkerShare = share;
            return this;
        }

        public AdmissionLimits build() {
            return new AdmissionLimits(queuedCalls, queuedOpens, sessions, sessionIdle, sessionsPerPeer,
                    sessionsPerIdentity, opensPerPeerPerSecond, newPoliciesPerSecond, compileCpuShare,
                    compiledPolicies, callsPerSession, callsPerIdentity, replayEntriesPerIdentity, openPuzzleBits,
                    unverifiedWorkerShare);
        }
    }
}
