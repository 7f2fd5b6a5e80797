package io.gridlet.adaptlets;

import io.gridlet.policy.CompileBudget;
import io.gridlet.policy.Configuration;
import io.gridlet.policy.Negotiation;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * The server's open sessions: each is a client policy (by digest) and the configuration the two policies resolve
 * to with the server's current run-time inputs. {@link #refresh()} re-resolves every session (once per distinct
 * client policy) after the inputs change; a session whose configuration changed makes its next call fail with a
 * request to renegotiate, which the client half does transparently. Sessions idle longer than the idle limit are
 * dropped.
 *
 * <p>Quotas ({@link AdmissionLimits}), checked before a policy is compiled: sessions in all, per peer address, and
 * per identity (a session belongs to the first identity that authenticates in it; past the quota the identity's
 * least recently used session is closed), and policies not seen before: compiled per second, and the CPU time
 * answering offers took (a share of one core, {@link AdmissionLimits#compileCpuShare()}: a new policy is compiled
 * only while the share is not used up; every offer's CPU time, measured on the negotiating thread, is charged
 * after, since resolving a known policy under a new pattern of inputs costs too). The compiled
 * policies of open sessions stay cached ({@link CompiledPolicies}).
 */
public final class ServerSessions {
    /** When to retry after the session table or a peer's share of it was full: sessions end by going idle. */
    private static final long SESSION_RETRY_MS = 30_000;
    /** A full table is swept for idle sessions at most this often: otherwise each refused Open would scan it. */
    private static final long SWEEP_EVERY_NANOS = 1_000_000_000L;

    private final CompiledPolicies policies;
    private final AdmissionLimits limits;
    private final long idleNanos;
    private final LongSupplier nanoClock;
    private final DecisionCounts outcomes;
    private final SecureRandom random = new SecureRandom();
    private final ConcurrentHashMap<String, Session> sessions = new ConcurrentHashMap<>();
    private final Tally perPeer = new Tally();
    private final ConcurrentHashMap<String, Set<Session>> byIdentity = new ConcurrentHashMap<>();
    private final TokenBucket newPolicies;
    /** CPU nanoseconds compiles of new policies may still take (in debt after a costly one). */
    private final TokenBucket compileCpu;
    private final LongSupplier cpuClock;
    private final AtomicLong lastSweep;

    ServerSessions(CompiledPolicies policies, AdmissionLimits limits, LongSupplier nanoClock, DecisionCounts outcomes) {
        this(policies, limits, nanoClock, threadCpuClock(), outcomes);
    }

    /** The calling thread's CPU time, or wall time where the JVM cannot measure that. */
    private static LongSupplier threadCpuClock() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        return threads.isCurrentThreadCpuTimeSupported() && threads.isThreadCpuTimeEnabled()
                ? threads::getCurrentThreadCpuTime : System::nanoTime;
    }

    /** @param cpuClock the calling thread's CPU time in nanoseconds */
    ServerSessions(CompiledPolicies policies, AdmissionLimits limits, LongSupplier nanoClock, LongSupplier cpuClock,
                   DecisionCounts outcomes) {
        this.cpuClock = cpuClock;
        this.compileCpu = new TokenBucket(limits.compileCpuShare() * 1e9,
                2 * CompileBudget.DEFAULT_TIMEOUT_MS * 1e6, nanoClock);
        this.policies = policies;
        this.limits = limits;
        this.idleNanos = limits.sessionIdle().toNanos();
        this.nanoClock = nanoClock;
        this.outcomes = outcomes;
        this.newPolicies = new TokenBucket(limits.newPoliciesPerSecond(), 2 * limits.newPoliciesPerSecond(),
                nanoClock);
        this.lastSweep = new AtomicLong(nanoClock.getAsLong() - SWEEP_EVERY_NANOS);
    }

    /** One session on the server: its id, the client policy's digest, what it runs now, its data. */
    public static final class Session {
        private final String id;
        private final String policyDigest;
        private final String peer;
        private final String openedDigest;
        private final SessionData data = new SessionData();
        private final AtomicReference<String> identity = new AtomicReference<>();
        final AtomicInteger inFlight = new AtomicInteger();
        private volatile Resolved resolved;
        private volatile long lastUsed;

        Session(String id, String policyDigest, Resolved resolved, long now) {
            this(id, policyDigest, "", resolved, now);
        }

        Session(String id, String policyDigest, String peer, Resolved resolved, long now) {
            this.id = id;
            this.policyDigest = policyDigest;
            this.peer = peer;
            this.resolved = resolved;
            this.openedDigest = resolved == null ? null : resolved.digest();
            this.lastUsed = now;
        }

        public String id() {
            return id;
        }

        public SessionData data() {
            return data;
        }

        /** The configuration the session runs now, with its digest. */
        public Resolved resolved() {
            return resolved;
        }

        /** The identity that authenticated in this session, or null while none has. */
        public String identity() {
            return identity.get();
        }

        /** The address the session was opened from (by {@link Admission#peerOf}). */
        public String peer() {
            return peer;
        }

        /**
         * Whether its configuration changed since it was opened: its client, told so on its next call, opens
         * another session and never comes back to this one.
         */
        boolean reconfigured() {
            return openedDigest != null && !openedDigest.equals(resolved.digest());
        }

        /** Makes the session {@code who}'s if it is no one's; says whether it is {@code who}'s now. */
        boolean claim(String who) {
            return identity.compareAndSet(null, who) || who.equals(identity.get());
        }
    }

    /** A configuration and its digest as calls carry it. */
    public record Resolved(Configuration configuration, String digest) {
        static Resolved of(Configuration c) {
            return new Resolved(c, SessionProtocol.digest(c));
        }
    }

    public AdmissionLimits limits() {
        return limits;
    }

    CompiledPolicies policies() {
        return policies;
    }

    /**
     * Answers an offer from {@code peer}; when the policies agree, opens a session for it. The quotas are checked
     * before the policy is compiled, the expensive part of an offer: the session table, the peer's share of it,
     * the rate of new policies (a flood of distinct policies is refused while offers of known policies go on being
     * answered) and the room for compiled policies.
     *
     * @throws OverLimit when one of those is reached
     */
    public SessionProtocol.Reply open(Negotiation.Offer offer, String peer) {
        long now = nanoClock.getAsLong();
        if (sessions.size() >= limits.sessions()) sweepIdle(now);
        if (sessions.size() >= limits.sessions()) {
            throw new OverLimit(AdmissionLimits.Limit.SESSIONS, "the server has " + limits.sessions()
                    + " sessions open", SESSION_RETRY_MS);
        }
        if (!perPeer.tryAcquire(peer, limits.sessionsPerPeer())) {
            throw new OverLimit(AdmissionLimits.Limit.SESSIONS_PER_PEER, peer + " has "
                    + limits.sessionsPerPeer() + " sessions open", SESSION_RETRY_MS);
        }
        boolean opened = false;
        try {
            if (offer.policyText() != null && !policies.knows(offer.digest())) {
                if (!policies.hasRoom()) {
                    throw new OverLimit(AdmissionLimits.Limit.COMPILED_POLICIES, "open sessions run "
                            + policies.capacity() + " distinct client policies", SESSION_RETRY_MS);
                }
                if (!compileCpu.hasToken()) {
                    throw new OverLimit(AdmissionLimits.Limit.COMPILE_CPU, "answering offers has used more "
                            + "than " + limits.compileCpuShare() + " of a core", compileCpu.millisUntilToken());
                }
                if (!newPolicies.tryTake()) {
                    throw new OverLimit(AdmissionLimits.Limit.NEW_POLICIES, "more than "
                            + limits.newPoliciesPerSecond() + " new policies a second to compile",
                            newPolicies.millisUntilToken());
                }
            }
            Negotiation.Answer answer;
            long cpu = cpuClock.getAsLong();
            try {
                answer = policies.answer(offer, true);
            } finally {
                compileCpu.charge(cpuClock.getAsLong() - cpu); // a known policy's new input pattern costs too
            }
            if (!(answer instanceof Negotiation.Agreed agreed)) return new SessionProtocol.Reply(answer, null);
            byte[] idBytes = new byte[16];
            random.nextBytes(idBytes);
            String id = HexFormat.of().formatHex(idBytes);
            sessions.put(id, new Session(id, offer.digest(), peer, Resolved.of(agreed.configuration()), now));
            opened = true;
            return new SessionProtocol.Reply(answer, id);
        } finally {
            if (!opened) perPeer.release(peer);
        }
    }

    /** The session with this id, marked as used now; null if unknown or expired. */
    public Session lookup(String id) {
        Session s = sessions.get(id);
        if (s == null) return null;
        long now = nanoClock.getAsLong();
        if (now - s.lastUsed > idleNanos) {
            remove(s);
            return null;
        }
        s.lastUsed = now;
        return s;
    }

    /**
     * Marks the session used now: a message of one of its calls arrived. A long stream (a meter's Send) keeps its
     * session alive, not only the start of each call ({@link #lookup}).
     */
    void touch(Session s) {
        s.lastUsed = nanoClock.getAsLong();
    }

    /** The session with this id as it stands (to admit a call before its checks ran); null if unknown. */
    Session peek(String id) {
        return id == null ? null : sessions.get(id);
    }

    /** A stand-in session for an Open from {@code peer}, which has none yet: what its checks are bound to. */
    Session forOpen(String peer) {
        return new Session("open:" + peer, "", peer, null, nanoClock.getAsLong());
    }

    /**
     * The session belongs to {@code identity} from now on, unless it is another's (then false: refuse the call).
     * Past the identity's quota of sessions, its least recently used other session is closed.
     */
    boolean bind(Session s, String identity) {
        if (s.identity() != null || sessions.get(s.id) != s) return s.claim(identity);
        if (!s.claim(identity)) return false;
        Set<Session> owned = byIdentity.compute(identity, (k, set) -> {
            Set<Session> to = set != null ? set : ConcurrentHashMap.newKeySet();
            to.add(s);
            return to;
        });
        if (sessions.get(s.id) != s) forget(s, identity); // removed meanwhile
        while (owned.size() > limits.sessionsPerIdentity()) {
            Session oldest = null;
            for (Session o : owned) {
                if (o != s && (oldest == null || o.lastUsed < oldest.lastUsed)) oldest = o;
            }
            if (oldest == null) break;
            remove(oldest);
            forget(oldest, identity);
            outcomes.refused(AdmissionLimits.Limit.SESSIONS_PER_IDENTITY);
        }
        return true;
    }

    /** Ends a session now (its next call is told to open another). */
    void remove(Session s) {
        if (!sessions.remove(s.id, s)) return;
        perPeer.release(s.peer);
        String identity = s.identity();
        if (identity != null) forget(s, identity);
        policies.unpin(s.policyDigest);
    }

    private void forget(Session s, String identity) {
        byIdentity.computeIfPresent(identity, (k, set) -> {
            set.remove(s);
            return set.isEmpty() ? null : set;
        });
    }

    public int size() {
        return sessions.size();
    }

    /** Sessions open from this peer now. */
    int fromPeer(String peer) {
        return perPeer.get(peer);
    }

    /**
     * Re-resolves every session with the current inputs (the resolver remembers each pattern of inputs, so this
     * is a lookup unless the inputs crossed a threshold of some policy); returns how many sessions changed
     * configuration. A pair that no longer agrees (a conflict under the new inputs) ends its session: the client
     * renegotiates and hears why.
     */
    public int refresh() {
        long now = nanoClock.getAsLong();
        Map<String, Negotiation.Answer> byPolicy = new HashMap<>();
        int changed = 0;
        for (Session s : sessions.values()) {
            if (now - s.lastUsed > idleNanos) {
                remove(s);
                continue;
            }
            Negotiation.Answer a = byPolicy.computeIfAbsent(s.policyDigest,
                    d -> policies.answer(new Negotiation.Offer(d, null), false));
            if (a instanceof Negotiation.Agreed agreed) {
                if (!agreed.configuration().equals(s.resolved.configuration())) {
                    s.resolved = Resolved.of(agreed.configuration());
                    changed++;
                }
            } else {
                remove(s);
                changed++;
            }
        }
        return changed;
    }

    private void sweepIdle(long now) {
        long last = lastSweep.get();
        if (now - last < SWEEP_EVERY_NANOS || !lastSweep.compareAndSet(last, now)) return;
        for (Session s : sessions.values()) {
            if (now - s.lastUsed > idleNanos) remove(s);
        }
    }
}
