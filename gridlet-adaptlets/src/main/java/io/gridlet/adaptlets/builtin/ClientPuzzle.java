package io.gridlet.adaptlets.builtin;

import io.gridlet.adaptlets.Adaptlet;
import io.gridlet.adaptlets.AdmissionLimits;
import io.gridlet.adaptlets.ClientAdvice;
import io.gridlet.adaptlets.ClientScope;
import io.gridlet.adaptlets.DataSlot;
import io.gridlet.adaptlets.OpenGuard;
import io.gridlet.adaptlets.OverLimit;
import io.gridlet.adaptlets.ServerAdvice;
import io.gridlet.adaptlets.ServerScope;
import io.gridlet.adaptlets.ServerSessions;
import io.gridlet.adaptlets.ServingExecutor;
import io.gridlet.adaptlets.Verdict;
import io.grpc.Metadata;
import io.grpc.Status;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * {@code puzzle(difficulty)}: a client puzzle against denial of service. Every call must show a proof of work: a
 * nonce such that SHA-256(challenge || nonce) starts with {@code difficulty} zero bits (2^difficulty hashes on
 * average to find, one to check).
 *
 * <p>Challenges are stateless: version, difficulty, expiry and a random salt, with an HMAC under the server's
 * secret over those and the session id (the client binding), so the server stores nothing per challenge it
 * issues. It stores each spent challenge's salt until the challenge expires, to refuse a replay. A call without a
 * solution is answered with a challenge (RESOURCE_EXHAUSTED); so is one whose challenge expired or is easier than
 * the session's difficulty now (the policy raises it with load). A forged, foreign (other session), unsolved or
 * replayed solution is refused (UNAUTHENTICATED). Every accepted call's trailers carry the next challenge, which the
 * client solves before its next call: one round trip per call, not two.
 *
 * <p>Spent salts count against the session's owner ({@link ServerScope#owner()}: the identity that authenticated
 * in it, or the session), up to {@link AdmissionLimits#replayEntriesPerIdentity()}: past it that owner is refused
 * (RESOURCE_EXHAUSTED, saying when its oldest expire), not everyone.
 *
 * <p>As a {@link ServingExecutor.ServingRank} the puzzle ranks a call by the work its solution shows, so a
 * saturated server serves solved calls before unsolved ones, the hardest puzzles first. As an {@link OpenGuard}
 * it guards {@code gridlet.session.v1.Session/Open} on a loaded server, its challenges then bound to the caller's address.
 */
public final class ClientPuzzle implements OpenGuard, ServingExecutor.ServingRank {
    public static final String NAME = "puzzle";
    /** Trailers: a challenge (when refusing) or the next challenge (when accepting). */
    public static final DataSlot<byte[]> CHALLENGE = DataSlot.call("puzzle");
    /** Headers: the solved challenge and its nonce. */
    public static final DataSlot<byte[]> SOLUTION = DataSlot.call("puzzle-solution");
    private static final DataSlot<byte[]> NEXT = DataSlot.session("puzzle-next");

    static final int BODY = 1 + 1 + 8 + 16;
    static final int MAC = 16;
    static final int CHALLENGE_BYTES = BODY + MAC;
    static final int SOLUTION_BYTES = CHALLENGE_BYTES + 8;
    private static final byte VERSION = 1;

    private final SecretKeySpec secret;     // null on the client
    private final LongSupplier clockMillis;
    private final long ttlMillis;
    private final ReplayCache spent;
    private final ThreadLocal<Mac> macs;    // one per thread, keyed once with the secret
    private final SecureRandom random = new SecureRandom();

    private ClientPuzzle(byte[] secret, LongSupplier clockMillis, long ttlMillis, int replayCapacity) {
        this.secret = secret == null ? null : Hmac.key(secret);
        this.clockMillis = clockMillis;
        this.ttlMillis = ttlMillis;
        this.spent = secret == null ? null : new ReplayCache(replayCapacity, Math.max(1, ttlMillis / 4));
        this.macs = secret == null ? null : ThreadLocal.withInitial(() -> Hmac.keyed(this.secret, true));
    }

    /** The server half: challenges signed with this secret (32 random bytes is right), valid for {@code ttlMillis}. */
    public static ClientPuzzle server(byte[] secret, LongSupplier clockMillis, long ttlMillis) {
        return new ClientPuzzle(secret, clockMillis, ttlMillis, 1_000_000);
    }

    public static ClientPuzzle server(byte[] secret) {
        return server(secret, System::currentTimeMillis, 30_000);
    }

    /** The client half: solves challenges up to the session's agreed difficulty. */
    public static ClientPuzzle client() {
        return new ClientPuzzle(null, System::currentTimeMillis, 0, 0);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Set<String> before() {
        return HmacAuth.AUTHENTICATION;
    }

    @Override
    public Map<String, Object> openParameters(int difficulty) {
        return Map.of("difficulty", difficulty);
    }

    @Override
    public ClientAdvice client(Map<String, Object> params) {
        int difficulty = Adaptlet.intParam(NAME, params, "difficulty");
        return new ClientAdvice() {
            @Override
            public void beforeCall(ClientScope call) {
                if (difficulty == 0 || call.outgoing(SOLUTION) != null) return;
                byte[] next = call.session().take(NEXT); // one call gets it; the others are challenged
                if (next != null && next.length == CHALLENGE_BYTES && difficultyOf(next) <= difficulty
                        && expiryOf(next) > clockMillis.getAsLong() + 100) {
                    call.put(SOLUTION, solve(next));
                }
            }

            @Override
            public boolean answer(ClientScope call) {
                byte[] challenge = call.get(CHALLENGE);
                if (challenge == null || challenge.length != CHALLENGE_BYTES) return false;
                if (difficultyOf(challenge) > difficulty) return false; // more work than the session agreed
                call.put(SOLUTION, solve(challenge));
                return true;
            }

            @Override
            public void afterCall(ClientScope call, Status status) {
                byte[] next = call.get(CHALLENGE);
                if (status.isOk() && next != null) call.session().put(NEXT, next);
            }
        };
    }

    @Override
    public ServerAdvice server(Map<String, Object> params) {
        if (secret == null) throw Adaptlet.wrongSide(NAME, "server");
        int difficulty = Adaptlet.intParam(NAME, params, "difficulty");
        if (difficulty < 0 || difficulty > 64) {
            throw new IllegalArgumentException("puzzle difficulty " + difficulty + " is outside 0..64");
        }
        return new ServerAdvice() {
            @Override
            public Verdict onCall(ServerScope call) {
                if (difficulty == 0) return Verdict.PROCEED;
                byte[] solution = call.get(SOLUTION);
                if (solution == null) {
                    return challenge(call, difficulty, "challenged", "solve the puzzle");
                }
                if (solution.length != SOLUTION_BYTES || solution[0] != VERSION) {
                    return refuse("malformed", "malformed puzzle solution");
                }
                if (!macMatches(solution, call.sessionId())) {
                    return refuse("forged", "the puzzle was not issued to this session by this server");
                }
                long now = clockMillis.getAsLong();
                long expiry = expiryOf(solution);
                if (expiry <= now) return challenge(call, difficulty, "expired", "the puzzle expired");
                int shown = difficultyOf(solution);
                if (shown < difficulty) {
                    return challenge(call, difficulty, "too-easy", "the difficulty is now " + difficulty);
                }
                if (workOf(solution) < shown) return refuse("unsolved", "the nonce does not solve the puzzle");
                ByteBuffer salt = ByteBuffer.wrap(solution, 10, 16);
                String owner = call.owner();
                switch (spent.use(owner, call.limits().replayEntriesPerIdentity(), salt.getLong(), salt.getLong(),
                        expiry, now)) {
                    case REPLAY:
                        return refuse("replayed", "the puzzle was solved and spent before");
                    case FULL:
                        return Verdict.overLimit(new OverLimit(AdmissionLimits.Limit.REPLAY_ENTRIES,
                                "the server remembers " + spent.size() + " spent puzzles", ttlMillis / 4));
                    case OWNER_FULL:
                        return Verdict.overLimit(new OverLimit(AdmissionLimits.Limit.REPLAY_ENTRIES_PER_IDENTITY,
                                owner + " has " + spent.size(owner) + " spent puzzles remembered",
                                spent.millisUntilRoom(owner, now)));
                    default:
                        return Verdict.PROCEED;
                }
            }

            @Override
            public void onClose(ServerScope call, Status status) {
                call.put(CHALLENGE, issue(call.sessionId(), difficulty));
            }
        };
    }

    private Verdict challenge(ServerScope call, int difficulty, String outcome, String why) {
        call.put(CHALLENGE, issue(call.sessionId(), difficulty));
        return Verdict.challenge(Status.RESOURCE_EXHAUSTED.withDescription(why + " (difficulty " + difficulty
                + " bits)"), outcome);
    }

    private static Verdict refuse(String outcome, String why) {
        return Verdict.reject(Status.UNAUTHENTICATED.withDescription(why), outcome);
    }

    /** A fresh challenge for this session. */
    byte[] issue(String sessionId, int difficulty) {
        byte[] c = new byte[CHALLENGE_BYTES];
        ByteBuffer b = ByteBuffer.wrap(c);
        b.put(VERSION).put((byte) difficulty).putLong(clockMillis.getAsLong() + ttlMillis);
        byte[] salt = new byte[16];
        random.nextBytes(salt);
        b.put(salt);
        System.arraycopy(mac(c, sessionId), 0, c, BODY, MAC);
        return c;
    }

    private byte[] mac(byte[] challengeOrSolution, String sessionId) {
        Mac mac = macs.get();
        mac.update(challengeOrSolution, 0, BODY);
        mac.update(sessionId.getBytes(StandardCharsets.UTF_8));
        return Arrays.copyOf(mac.doFinal(), MAC);
    }

    private boolean macMatches(byte[] solution, String sessionId) {
        byte[] expected = mac(solution, sessionId);
        return MessageDigest.isEqual(expected, Arrays.copyOfRange(solution, BODY, BODY + MAC));
    }

    /** Finds a nonce: 2^difficulty SHA-256 hashes on average. */
    static byte[] solve(byte[] challenge) {
        int difficulty = difficultyOf(challenge);
        byte[] solution = Arrays.copyOf(challenge, SOLUTION_BYTES);
        MessageDigest md = Hmac.sha256();
        byte[] hash = new byte[32];
        for (long nonce = 0; ; nonce++) {
            ByteBuffer.wrap(solution, CHALLENGE_BYTES, 8).putLong(nonce);
            md.update(solution);
            try {
                md.digest(hash, 0, 32);
            } catch (DigestException e) {
                throw new IllegalStateException(e);
            }
            if (Hmac.leadingZeroBits(hash) >= difficulty) return solution;
        }
    }

    /** The zero bits SHA-256 of the solution starts with. */
    static int workOf(byte[] solution) {
        return Hmac.leadingZeroBits(Hmac.sha256().digest(solution));
    }

    static int difficultyOf(byte[] challenge) {
        return challenge[1] & 0xff;
    }

    static long expiryOf(byte[] challenge) {
        return ByteBuffer.wrap(challenge, 2, 8).getLong();
    }

    /**
     * The work a call's solution shows (one hash), if this server issued it to this session (one HMAC) and it has
     * not expired; 0 otherwise. Work cannot be shown without doing it; replaying a solved puzzle of the session
     * is caught when the call runs, so it buys at most an early refusal.
     */
    @Override
    public int rank(ServerSessions.Session session, Metadata headers) {
        if (secret == null) return 0;
        byte[] solution = SOLUTION.in(headers);
        if (solution == null || solution.length != SOLUTION_BYTES || solution[0] != VERSION) return 0;
        if (expiryOf(solution) <= clockMillis.getAsLong() || !macMatches(solution, session.id())) return 0;
        return Math.min(difficultyOf(solution), workOf(solution));
    }

}
