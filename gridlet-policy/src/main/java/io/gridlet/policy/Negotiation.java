package io.gridlet.policy;

import io.gridlet.policy.sat.Resolver;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The session-start protocol as plain messages, independent of the transport (the RPC layer carries them):
 * <ol>
 *   <li>the client sends an {@link Offer}: its policy's digest, and the policy text unless it believes the
 *       server has it already;</li>
 *   <li>the server answers {@link Answer}: the configuration it resolved with its current run-time inputs (and
 *       those inputs), or why not: it needs the text, the policy is invalid or over a limit, or the two
 *       policies conflict (with the explanation);</li>
 *   <li>the client {@link Client#verify verifies} the configuration against its own policy before using it and
 *       refuses one that violates it.</li>
 * </ol>
 * The server parses and compiles a client policy once per distinct text (cached by digest, bounded), within a
 * {@link CompileBudget} for a peer's policy ({@link CompileBudget#forPeer}: its encoding bounded tighter than a
 * trusted policy's): parsing, compiling and the first resolution of an offer share one deadline (the server's time
 * limit), and a policy over any bound is refused with {@link Reason#LIMIT} and the bound in the message.
 */
public final class Negotiation {
    private Negotiation() {
    }

    /** What the client sends: a SHA-256 digest of its policy text, and the text itself or null. */
    public record Offer(String digest, String policyText) {
    }

    /** What the server answers. */
    public sealed interface Answer permits Agreed, NeedPolicy, Refused {
    }

    /** The configuration to run, the server's inputs it was resolved with, and its score. */
    public record Agreed(Configuration configuration, Map<String, Double> inputs, long score) implements Answer {
    }

    /** The server does not know this digest: send the text. */
    public record NeedPolicy(String digest) implements Answer {
    }

    /** No configuration: why (invalid policy, a limit, or the conflicting statements, one per line). */
    public record Refused(Reason reason, List<String> details) implements Answer {
        /** A policy that cannot be used, by its kind: over a {@link CompileBudget} bound, or invalid. */
        static Refused of(PolicyException e) {
            return new Refused(e.kind() == PolicyException.Kind.LIMIT ? Reason.LIMIT : Reason.INVALID_POLICY,
                    List.of(e.getMessage()));
        }
    }

    /**
     * Why an offer is refused: the policy is wrong, it is over a bound (too large, too deep, too slow to compile or
     * resolve; the server may also refuse so when it is busy), or the policies conflict.
     */
    public enum Reason { INVALID_POLICY, LIMIT, CONFLICT }

    public static String digest(String policyText) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(sha.digest(policyText.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The server half: its policy, where its run-time inputs come from, a cache of compiled pairs. */
    public static final class Server {
        private final Policy policy;
        private final Supplier<Map<String, Double>> inputs;
        private final long timeoutMs;
        private final Map<String, Resolver> compiled;

        public Server(Policy policy, Supplier<Map<String, Double>> inputs, int cacheSize, long timeoutMs) {
            this.policy = policy;
            this.inputs = inputs;
            this.timeoutMs = timeoutMs;
            Resolver.warmUp(); // so that the first offer's time limit is not spent loading the solver
            this.compiled = new LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Resolver> eldest) {
                    return size() > cacheSize;
                }
            };
        }

        /** Whether the policy with this digest is compiled and cached (answering it costs no compilation). */
        public boolean knows(String digest) {
            synchronized (compiled) {
                return compiled.containsKey(digest);
            }
        }

        /**
         * Compiles a client policy from a trusted place (the operator names the policy its own clients offer) with
         * every bound but time ({@link CompileBudget#untimed()}), and keeps it: offers of it are then resolved only.
         *
         * @throws PolicyException when it cannot be read or compiled against the server's policy
         */
        public void preload(String policyText) {
            CompileBudget budget = CompileBudget.untimed();
            Resolver resolver = Resolver.compile(PolicyParser.parse("client", policyText, budget), policy, budget);
            synchronized (compiled) {
                compiled.put(digest(policyText), resolver);
            }
        }

        /**
         * Answers an offer. A policy not yet compiled is parsed, compiled and resolved within one budget of the
         * server's time limit; a known one is resolved within a fresh one.
         */
        public Answer answer(Offer offer) {
            CompileBudget budget = CompileBudget.forPeer(timeoutMs);
            Resolver resolver;
            synchronized (compiled) {
                resolver = compiled.get(offer.digest());
            }
            if (resolver == null) {
                if (offer.policyText() == null) return new NeedPolicy(offer.digest());
                if (!digest(offer.policyText()).equals(offer.digest())) {
                    return new Refused(Reason.INVALID_POLICY, List.of("the digest does not match the policy text"));
                }
                try {
                    resolver = Resolver.compile(PolicyParser.parse("client", offer.policyText(), budget), policy,
                            budget);
                } catch (PolicyException e) {
                    return Refused.of(e);
                }
                synchronized (compiled) {
                    compiled.put(offer.digest(), resolver);
                }
            }
            Map<String, Double> now = inputs.get();
            try {
                Resolver.Resolution r = resolver.resolve(now, budget);
                if (r instanceof Resolver.Agreed a) return new Agreed(a.configuration(), a.inputs(), a.score());
                return new Refused(Reason.CONFLICT, ((Resolver.Conflict) r).reasons());
            } catch (PolicyException e) {
                return Refused.of(e);
            }
        }
    }

    /** The client half: its policy and its text. */
    public static final class Client {
        private final Policy policy;
        private final String text;
        private final String digest;

        public Client(String policyText) {
            this.policy = PolicyParser.parse("client", policyText);
            this.text = policyText;
            this.digest = digest(policyText);
        }

        /** The offer, with the text or (when the server is expected to know it) only the digest. */
        public Offer offer(boolean withText) {
            return new Offer(digest, withText ? text : null);
        }

        /**
         * The configuration to use, once verified against this side's policy with the inputs the server used.
         *
         * @throws PolicyException if the server refused, or answered a configuration this policy does not allow
         */
        public Configuration verify(Answer answer) {
            if (answer instanceof Refused r) {
                throw new PolicyException(null, Position.NONE, "the server refused (" + r.reason() + "): "
                        + String.join("; ", r.details()));
            }
            if (answer instanceof NeedPolicy) {
                throw new PolicyException(null, Position.NONE, "the server needs the text");
            }
            Agreed a = (Agreed) answer;
            List<String> violations;
            try {
                violations = Semantics.violations(policy, a.configuration(), a.inputs());
            } catch (PolicyException e) {
                throw new PolicyException(null, Position.NONE, "cannot verify the server's configuration: "
                        + e.getMessage());
            }
            if (!violations.isEmpty()) {
                throw new PolicyException(null, Position.NONE, "the server's configuration " + a.configuration()
                        + " violates this policy: " + String.join("; ", violations));
            }
            return a.configuration();
        }
    }
}
