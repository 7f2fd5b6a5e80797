package io.gridlet.adaptlets;

import io.gridlet.policy.Configuration;
import io.gridlet.policy.Negotiation;

import java.security.SecureRandom;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The server's open sessions: each is a client policy (by digest) and the configuration the two policies resolve
 * to with the server's current run-time inputs. {@link #refresh()} re-resolves every session (once per distinct
 * client policy) after the inputs change; a session whose configuration changed makes its next call fail with a
 * request to renegotiate, which the client half does transparently. Sessions idle longer than the idle limit are
 * dropped; at most {@code maxSessions} exist at once.
 */
public final class ServerSessions {
    private final Negotiation.Server negotiation;
    private final int maxSessions;
    private final long idleNanos;
    private final LongSupplier nanoClock;
    private final SecureRandom random = new SecureRandom();
    private final ConcurrentHashMap<String, Session> sessions = new ConcurrentHashMap<>();
    private final TokenBucket newPolicies;

    /** A token bucket: {@code rate} tokens a second, at most {@code burst} saved up. */
    static final class TokenBucket {
        private final double rate;
        private final double burst;
        private final LongSupplier nanoClock;
        private double tokens;
        private long last;

        TokenBucket(double rate, double burst, LongSupplier nanoClock) {
            this.rate = rate;
            this.burst = Math.max(1, burst);
            this.nanoClock = nanoClock;
            this.tokens = this.burst;
            this.last = nanoClock.getAsLong();
        }

        synchronized boolean tryTake() {
            long now = nanoClock.getAsLong();
            tokens = Math.min(burst, tokens + (now - last) / 1e9 * rate);
            last = now;
            if (tokens < 1) return false;
            tokens -= 1;
            return true;
        }
    }

    public ServerSessions(Negotiation.Server negotiation, int maxSessions, long idleNanos, LongSupplier nanoClock) {
        this(negotiation, maxSessions, idleNanos, nanoClock, 50);
    }

    /** @param newPoliciesPerSecond how many policies not seen before may be compiled per second (burst: twice) */
    public ServerSessions(Negotiation.Server negotiation, int maxSessions, long idleNanos, LongSupplier nanoClock,
                          double newPoliciesPerSecond) {
        this.newPolicies = new TokenBucket(newPoliciesPerSecond, 2 * newPoliciesPerSecond, nanoClock);
        this.negotiation = negotiation;
        this.maxSessions = maxSessions;
        this.idleNanos = idleNanos;
        this.nanoClock = nanoClock;
    }

    /** One session on the server: its id, the client policy's digest, what it runs now, its data. */
    public static final class Session {
        private final String id;
        private final String policyDigest;
        private final SessionData data = new SessionData();
        private volatile Resolved resolved;
        private volatile long lastUsed;

        Session(String id, String policyDigest, Resolved resolved, long now) {
            this.id = id;
            this.policyDigest = policyDigest;
            this.resolved = resolved;
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
    }

    /** A configuration and its digest as calls carry it. */
    public record Resolved(Configuration configuration, String digest) {
        static Resolved of(Configuration c) {
            return new Resolved(c, SessionProtocol.digest(c));
        }
    }

    /**
     * Answers an offer; when the policies agree, opens a session for it. Compiling a policy the server has not seen
     * is the expensive part of an offer, so new policies are admitted at a bounded rate (a flood of distinct
     * policies is refused with LIMIT while offers of known policies go on being answered).
     */
    public SessionProtocol.Reply open(Negotiation.Offer offer) {
        if (offer.policyText() != null && !negotiation.knows(offer.digest()) && !newPolicies.tryTake()) {
            return new SessionProtocol.Reply(new Negotiation.Refused(Negotiation.Reason.LIMIT, List.of(
                    "too many new policies to compile right now; try again later")), null);
        }
        Negotiation.Answer answer = negotiation.answer(offer);
        if (!(answer instanceof Negotiation.Agreed agreed)) return new SessionProtocol.Reply(answer, null);
        long now = nanoClock.getAsLong();
        if (sessions.size() >= maxSessions) expireIdle(now);
        if (sessions.size() >= maxSessions) {
            return new SessionProtocol.Reply(new Negotiation.Refused(Negotiation.Reason.LIMIT,
                    List.of("the server has " + maxSessions + " sessions open; try later")), null);
        }
        byte[] idBytes = new byte[16];
        random.nextBytes(idBytes);
        String id = HexFormat.of().formatHex(idBytes);
        sessions.put(id, new Session(id, offer.digest(), Resolved.of(agreed.configuration()), now));
        return new SessionProtocol.Reply(answer, id);
    }

    /** The session with this id, marked as used now; null if unknown or expired. */
    public Session lookup(String id) {
        Session s = sessions.get(id);
        if (s == null) return null;
        long now = nanoClock.getAsLong();
        if (now - s.lastUsed > idleNanos) {
            sessions.remove(id, s);
            return null;
        }
        s.lastUsed = now;
        return s;
    }

    public int size() {
        return sessions.size();
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
        for (Iterator<Session> it = sessions.values().iterator(); it.hasNext(); ) {
            Session s = it.next();
            if (now - s.lastUsed > idleNanos) {
                it.remove();
                continue;
            }
            Negotiation.Answer a = byPolicy.computeIfAbsent(s.policyDigest,
                    d -> negotiation.answer(new Negotiation.Offer(d, null)));
            if (a instanceof Negotiation.Agreed agreed) {
                if (!agreed.configuration().equals(s.resolved.configuration())) {
                    s.resolved = Resolved.of(agreed.configuration());
                    changed++;
                }
            } else {
                it.remove();
                changed++;
            }
        }
        return changed;
    }

    private void expireIdle(long now) {
        sessions.values().removeIf(s -> now - s.lastUsed > idleNanos);
    }
}
