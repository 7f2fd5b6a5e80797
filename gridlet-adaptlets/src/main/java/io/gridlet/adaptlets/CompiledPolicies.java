package io.gridlet.adaptlets;

import io.gridlet.policy.Negotiation;
import io.gridlet.policy.Policy;
import io.gridlet.policy.PolicyException;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The client policies the server has compiled, by digest, each as a {@link Negotiation.Server} for that one policy
 * (so answering an offer, and what a refusal says, stay the policy module's). Compiling is the costly part of an
 * offer, so this is a cache; but a policy that open sessions run is pinned while they do: were a flood of other
 * policies to evict it, the next refresh would end those sessions, and reopening them would compete with the flood
 * for compiles. Unpinned entries beyond the capacity are evicted least recently used first; pinned ones never, and
 * when every entry is pinned there is no room for a new policy ({@link #hasRoom()}). A policy whose resolution goes
 * over the time limit is not kept (nor kept when a later resolution does, unless sessions run it): offering it
 * again costs a compile, which the server's compile quotas count.
 */
final class CompiledPolicies {
    private final Policy server;
    private final Supplier<Map<String, Double>> inputs;
    private final long timeoutMs;
    private final int capacity;
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>(16, 0.75f, true); // guarded by this
    private int pinned;                                                                       // guarded by this

    private static final class Entry {
        final Negotiation.Server pair;
        int pins;

        Entry(Negotiation.Server pair) {
            this.pair = pair;
        }
    }

    CompiledPolicies(Policy server, Supplier<Map<String, Double>> inputs, int capacity, long timeoutMs) {
        this.server = server;
        this.inputs = inputs;
        this.capacity = capacity;
        this.timeoutMs = timeoutMs;
    }

    synchronized boolean knows(String digest) {
        return entries.containsKey(digest);
    }

    /** Whether a policy not seen before could be kept: the cache is not full, or some entry is unpinned. */
    synchronized boolean hasRoom() {
        return entries.size() < capacity || pinned < entries.size();
    }

    /** How many policies open sessions run now. */
    synchronized int pinned() {
        return pinned;
    }

    synchronized int size() {
        return entries.size();
    }

    int capacity() {
        return capacity;
    }

    /**
     * Answers an offer, compiling its policy if it is new. With {@code pin}, an agreement pins the policy for the
     * session it opens ({@link #unpin} when that session ends).
     */
    Negotiation.Answer answer(Negotiation.Offer offer, boolean pin) {
        Entry known;
        synchronized (this) {
            known = entries.get(offer.digest());
            if (known != null) hold(known); // not evicted while it resolves
        }
        if (known != null) {
            Negotiation.Answer a = known.pair.answer(new Negotiation.Offer(offer.digest(), null));
            if (!pin || !(a instanceof Negotiation.Agreed)) unpin(offer.digest());
            if (overLimit(a)) forget(offer.digest()); // costly to resolve: the next offer pays as a new one
            return a;
        }
        if (offer.policyText() == null) return new Negotiation.NeedPolicy(offer.digest());
        Negotiation.Server pair = new Negotiation.Server(server, inputs, 1, timeoutMs);
        Negotiation.Answer a = pair.answer(offer);
        if (pair.knows(offer.digest()) && !overLimit(a)) { // compiled: it agrees or conflicts with the server's
            synchronized (this) {
                Entry e = entries.computeIfAbsent(offer.digest(), d -> new Entry(pair));
                if (pin && a instanceof Negotiation.Agreed) hold(e);
                evictUnpinned();
            }
        }
        return a;
    }

    /**
     * Compiles a client policy known to be offered (a fleet's, named by the operator: with every bound but time)
     * and keeps it for as long as the server runs: pinned once more than any session pins it, so never evicted.
     *
     * @throws IllegalArgumentException if it cannot be compiled
     */
    void keep(String policyText) {
        Negotiation.Server pair = new Negotiation.Server(server, inputs, 1, timeoutMs);
        try {
            pair.preload(policyText);
        } catch (PolicyException e) {
            throw new IllegalArgumentException("the known client policy cannot be compiled: " + e.getMessage(), e);
        }
        synchronized (this) {
            Entry e = entries.computeIfAbsent(Negotiation.digest(policyText), d -> new Entry(pair));
            hold(e);
        }
    }

    private static boolean overLimit(Negotiation.Answer a) {
        return a instanceof Negotiation.Refused r && r.reason() == Negotiation.Reason.LIMIT;
    }

    /** Drops an entry no session runs. */
    private synchronized void forget(String digest) {
        Entry e = entries.get(digest);
        if (e != null && e.pins == 0) entries.remove(digest);
    }

    /** A session running this policy ended. */
    synchronized void unpin(String digest) {
        Entry e = entries.get(digest);
        if (e == null || e.pins == 0) return;
        if (--e.pins == 0) pinned--;
        evictUnpinned();
    }

    private void hold(Entry e) {
        if (e.pins++ == 0) pinned++;
    }

    private void evictUnpinned() {
        for (Iterator<Entry> it = entries.values().iterator(); entries.size() > capacity && it.hasNext(); ) {
            if (it.next().pins == 0) it.remove();
        }
    }
}
