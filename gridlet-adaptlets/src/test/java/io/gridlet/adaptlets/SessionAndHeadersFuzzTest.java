package io.gridlet.adaptlets;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.gridlet.adaptlets.builtin.ClientPuzzle;
import io.gridlet.adaptlets.builtin.HmacAuth;
import io.gridlet.adaptlets.builtin.Identities;
import io.gridlet.adaptlets.builtin.Identity;
import io.gridlet.adaptlets.builtin.Priority;
import io.gridlet.policy.Negotiation;
import io.gridlet.proto.session.v1.Agreed;
import io.gridlet.proto.session.v1.Feature;
import io.gridlet.proto.session.v1.Input;
import io.gridlet.proto.session.v1.NeedPolicy;
import io.gridlet.proto.session.v1.Offer;
import io.gridlet.proto.session.v1.Parameter;
import io.gridlet.proto.session.v1.Refused;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * What a peer's bytes reach in the session layer, fuzzed with Jazzer (coverage-guided, for a few seconds in every
 * build: JAZZER_FUZZ=1 is set for this module's tests). Jazzer fuzzes one test per JVM, so this one test takes every
 * decoder here; the first value it consumes picks one. The contracts:
 * <ul>
 *   <li>{@code gridlet.session.v1.Session/Open}'s messages ({@link SessionProtocol}: the offer a client sends, the reply a
 *       server sends): a malformed one is a StatusRuntimeException with INVALID_ARGUMENT and nothing else; what
 *       parses survives stream/parse.</li>
 *   <li>The headers the built-in adaptlets read from a call ({@code auth.hmac}'s signature, {@code puzzle}'s
 *       solution, {@code priority}'s class): the server advice answers with a {@link Verdict}, never an exception;
 *       a call proceeds only with a signature made with the caller's secret and dated within the allowed skew of
 *       the server's clock, a solution of a puzzle the server issued to the session (once), a class within the
 *       session's level and the caller's ceiling. The serving rank read from the same headers never throws.</li>
 *   <li>The puzzle a server sends back in the trailers: the client half answers with a solution of it, or not at
 *       all (a malformed puzzle, or one harder than the session agreed), never with an exception.</li>
 * </ul>
 * ({@code gridlet-refused-bin}, the admission's refusal carried in the call's own headers, is not here: a peer's
 * header of that name is discarded as the call arrives, before anything reads it.)
 */
class SessionAndHeadersFuzzTest {
    static final long NOW = 1_700_000_000_000L;
    static final long SKEW = 30_000;
    static final long TTL = 30_000;
    static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    static final String SESSION = "s1";
    static final MethodDescriptor<String, String> METHOD = TestService.SEND;
    static final Metadata.Key<byte[]> AUTH = raw("gridlet-auth-bin");
    static final Metadata.Key<byte[]> PUZZLE = raw("gridlet-puzzle-bin");
    static final Metadata.Key<byte[]> SOLUTION = raw("gridlet-puzzle-solution-bin");
    static final Metadata.Key<byte[]> PRIORITY = raw("gridlet-priority-bin");

    @FuzzTest(maxDuration = "5s")
    // Jazzer passes it to libFuzzer as the timeout of one input (a hang is a finding, not a stalled build);
    // JUnit applies it to the whole fuzzing run too: keep maxDuration well under it.
    @Timeout(30)
    @DictionaryEntries({"\u0000\u0000\u0000\u0000", "\u0000\u0000\u0000\u0001", "\u0000\u0000\u0000\u0002",
            "\u0000\u0000\u0010\u0000", "\u0001", "\u0002", "\u0003", "INVALID_POLICY", "LIMIT", "CONFLICT", "i", "b",
            "s", "m1", "\u0002m1", "policy p { }"})
    void peerBytesAreRefusedNeverThrown(FuzzedDataProvider data) {
        switch (data.consumeInt(0, 5)) {
            case 0 -> offer(data);
            case 1 -> reply(data);
            case 2 -> hmac(data);
            case 3 -> puzzle(data);
            case 4 -> priority(data);
            default -> puzzleFromServer(data);
        }
    }

    // ---- gridlet.session.v1.Session/Open ----

    static void offer(FuzzedDataProvider data) {
        byte[] bytes;
        if (data.consumeBoolean()) {
            bytes = data.consumeRemainingAsBytes();
        } else {
            Offer.Builder o = Offer.newBuilder().setDigest(data.consumeString(70));
            if (data.consumeBoolean()) o.setPolicyText(data.consumeString(64));
            bytes = trailing(o.build().toByteArray(), data);
        }
        MethodDescriptor.Marshaller<Negotiation.Offer> m = SessionProtocol.OPEN.getRequestMarshaller();
        Negotiation.Offer offer = parse(m, bytes, "the offer's marshaller");
        if (offer == null) return;
        check(offer.digest() != null, "an offer without a digest");
        check(m.parse(m.stream(offer)).equals(offer), "an offer does not survive stream/parse: " + offer);
    }

    static void reply(FuzzedDataProvider data) {
        byte[] bytes;
        if (data.consumeBoolean()) {
            bytes = data.consumeRemainingAsBytes();
        } else {
            io.gridlet.proto.session.v1.Reply.Builder r = io.gridlet.proto.session.v1.Reply.newBuilder();
            switch (data.consumeInt(0, 3)) {
                case 1 -> {
                    Agreed.Builder a = Agreed.newBuilder().setSessionId(data.consumeBoolean()
                            ? "0123456789abcdef0123456789abcdef" : data.consumeString(40));
                    int features = data.consumeInt(0, 3);
                    for (int f = 0; f < features; f++) {
                        Feature.Builder feature = Feature.newBuilder().setName(data.pickValue(
                                new String[] {"puzzle", "auth.hmac", data.consumeString(8)}));
                        int params = data.consumeInt(0, 3);
                        for (int p = 0; p < params; p++) {
                            Parameter.Builder parameter = Parameter.newBuilder().setName(data.pickValue(
                                    new String[] {"difficulty", "level", data.consumeString(8)}));
                            switch (data.consumeInt(0, 4)) {
                                case 0 -> parameter.setIntValue(data.consumeInt());
                                case 1 -> parameter.setBoolValue(data.consumeBoolean());
                                case 2 -> parameter.setRealValue(data.consumeDouble());
                                case 3 -> parameter.setEnumValue(data.consumeString(8));
                                default -> {
                                } // no value
                            }
                            feature.addParameters(parameter);
                        }
                        a.addFeatures(feature);
                    }
                    int inputs = data.consumeInt(0, 3);
                    for (int i = 0; i < inputs; i++) {
                        a.addInputs(Input.newBuilder().setName(data.consumeString(8)).setValue(data.consumeDouble()));
                    }
                    r.setAgreed(a.setScore(data.consumeLong()));
                }
                case 2 -> r.setNeedPolicy(NeedPolicy.newBuilder().setDigest(data.consumeString(70)));
                case 3 -> {
                    Refused.Builder refused = Refused.newBuilder().setReason(data.pickValue(
                            new String[] {"INVALID_POLICY", "LIMIT", "CONFLICT", "OTHER"}));
                    int details = data.consumeInt(0, 3);
                    for (int i = 0; i < details; i++) refused.addDetails(data.consumeString(24));
                    r.setRefused(refused);
                }
                default -> {
                } // no answer
            }
            bytes = trailing(r.build().toByteArray(), data);
        }
        MethodDescriptor.Marshaller<SessionProtocol.Reply> m = SessionProtocol.OPEN.getResponseMarshaller();
        SessionProtocol.Reply reply = parse(m, bytes, "the reply's marshaller");
        if (reply == null) return;
        check(reply.answer() != null, "a reply without an answer");
        check(!(reply.answer() instanceof Negotiation.Agreed) || reply.sessionId() != null, "agreed without a session");
        check(m.parse(m.stream(reply)).equals(reply), "a reply does not survive stream/parse: " + reply);
    }

    /** The message, maybe with the rest of the input after it (protobuf reads on: more fields, or malformed). */
    private static byte[] trailing(byte[] message, FuzzedDataProvider data) {
        if (!data.consumeBoolean()) return message;
        byte[] tail = data.consumeRemainingAsBytes();
        byte[] all = Arrays.copyOf(message, message.length + tail.length);
        System.arraycopy(tail, 0, all, message.length, tail.length);
        return all;
    }

    private static <T> T parse(MethodDescriptor.Marshaller<T> m, byte[] bytes, String what) {
        try {
            return m.parse(new ByteArrayInputStream(bytes));
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() != Status.Code.INVALID_ARGUMENT) {
                throw new AssertionError(what + " refused a message with " + e.getStatus(), e);
            }
            return null;
        } catch (Throwable t) {
            throw escaped(what, "a StatusRuntimeException (INVALID_ARGUMENT)", t);
        }
    }

    // ---- the built-in adaptlets' headers, on the server ----

    static void hmac(FuzzedDataProvider data) {
        ServerAdvice advice = HmacAuth.server(new Identities().add("m1", SECRET, 3, "meter"), () -> NOW, SKEW)
                .server(Map.of());
        byte[] signed;
        boolean genuine = false;
        long ts = 0;
        if (data.consumeBoolean()) {
            signed = data.consumeRemainingAsBytes();
        } else { // laid out as the client half writes it: id, timestamp (near the server's clock, or not), nonce
            byte[] id = (data.consumeBoolean() ? "m1" : data.consumeString(8)).getBytes(StandardCharsets.UTF_8);
            ts = NOW + (data.consumeBoolean() ? data.consumeLong(-2 * SKEW, 2 * SKEW) : data.consumeLong());
            signed = new byte[1 + id.length + 8 + 16 + 32];
            byte[] nonce = Arrays.copyOf(data.consumeBytes(16), 16);
            ByteBuffer.wrap(signed).put((byte) id.length).put(id).putLong(ts).put(nonce);
            if (data.consumeBoolean()) { // signed with m1's secret
                int body = signed.length - 32;
                System.arraycopy(hmacSignature(signed, body, METHOD.getFullMethodName(), SESSION), 0, signed, body, 32);
                genuine = Arrays.equals(id, "m1".getBytes(StandardCharsets.UTF_8));
            }
            if (data.consumeBoolean()) { // then changed
                signed[data.consumeInt(0, signed.length - 1)] ^= (byte) data.consumeInt(1, 255);
                genuine = false;
            }
        }
        Metadata headers = new Metadata();
        headers.put(AUTH, signed);
        ServerScope call = TestSessions.scope(METHOD, headers, TestSessions.session(SESSION));
        Verdict v = onCall(advice, call, "auth.hmac");
        if (v.kind() != Verdict.Kind.PROCEED) return;
        check(genuine, "a call proceeded without a signature made with the caller's secret");
        check(ts >= NOW - SKEW && ts <= NOW + SKEW, "a signature dated " + ts + ", " + (ts - NOW)
                + " ms from the server's clock " + NOW + ", proceeded (allowed skew: " + SKEW + " ms)");
        Identity who = call.bound(Identity.CURRENT);
        check(who != null && who.id().equals("m1"), "a call proceeded without its identity bound: " + who);
    }

    static void puzzle(FuzzedDataProvider data) {
        int difficulty = data.consumeInt(1, 6);
        ClientPuzzle puzzle = ClientPuzzle.server(SECRET, () -> NOW, TTL);
        ServerAdvice advice = puzzle.server(Map.of("difficulty", difficulty));
        ServerSessions.Session session = TestSessions.session(SESSION);
        byte[] solution;
        boolean genuine = false, raw = data.consumeBoolean();
        if (raw) {
            solution = data.consumeRemainingAsBytes();
        } else { // a puzzle this server issued (to this session or another), solved by the client half
            String to = data.consumeBoolean() ? SESSION : "s2";
            ServerScope unsolved = TestSessions.scope(METHOD, new Metadata(), TestSessions.session(to));
            check(onCall(advice, unsolved, "puzzle").kind() == Verdict.Kind.CHALLENGE, "a call without a solution"
                    + " was not challenged");
            ClientScope client = TestSessions.clientScope(METHOD, to);
            client.nextAttempt(unsolved.trailers());
            check(ClientPuzzle.client().client(Map.of("difficulty", difficulty)).answer(client),
                    "the client half does not answer its server's puzzle");
            solution = client.outgoing(ClientPuzzle.SOLUTION);
            genuine = to.equals(SESSION);
            if (data.consumeBoolean()) { // then changed (a change of the nonce alone may still solve it)
                solution[data.consumeInt(0, solution.length - 1)] ^= (byte) data.consumeInt(1, 255);
                genuine = false;
            }
        }
        Metadata headers = new Metadata();
        headers.put(SOLUTION, solution);
        Verdict v = onCall(advice, TestSessions.scope(METHOD, headers, session), "puzzle");
        int rank;
        try {
            rank = puzzle.rank(session, headers);
        } catch (Throwable t) {
            throw escaped("the puzzle's serving rank", "nothing", t);
        }
        check(rank >= 0 && rank <= 64, "a rank of " + rank);
        if (genuine) {
            check(v.kind() == Verdict.Kind.PROCEED, "a solved puzzle issued to the session was refused: " + v);
            check(rank >= difficulty, "a solved puzzle of difficulty " + difficulty + " ranks " + rank);
        }
        if (raw) check(v.kind() != Verdict.Kind.PROCEED, "a call proceeded with a solution the server never issued");
        if (v.kind() == Verdict.Kind.PROCEED) {
            Verdict again = onCall(advice, TestSessions.scope(METHOD, headers, session), "puzzle");
            check(again.kind() != Verdict.Kind.PROCEED, "a spent puzzle proceeded again");
        }
    }

    static void priority(FuzzedDataProvider data) {
        int level = data.consumeInt(0, Priority.MAX_LEVEL);
        Priority priority = Priority.server();
        ServerAdvice advice = priority.server(Map.of("level", level));
        Integer ceiling = data.consumeBoolean() ? data.consumeInt(0, Priority.MAX_LEVEL) : null;
        byte[] header = data.consumeRemainingAsBytes();
        ServerSessions.Session session = TestSessions.session(SESSION);
        Metadata headers = new Metadata();
        headers.put(PRIORITY, header);
        ServerScope call = TestSessions.scope(METHOD, headers, session);
        if (ceiling != null) call.bind(Identity.CURRENT, new Identity("m1", Set.of("meter"), ceiling));
        Verdict v = onCall(advice, call, "priority");
        int rank;
        try {
            rank = priority.rank(session, headers);
        } catch (Throwable t) {
            throw escaped("the priority's serving rank", "nothing", t);
        }
        check(rank >= 0 && rank <= Priority.MAX_LEVEL * Priority.RANK_PER_LEVEL, "a rank of " + rank);
        if (v.kind() != Verdict.Kind.PROCEED) return;
        check(header.length == 4, "a class of " + header.length + " bytes proceeded");
        int claimed = ByteBuffer.wrap(header).getInt();
        check(claimed >= 0 && claimed <= level && (ceiling == null || claimed <= ceiling), "class " + claimed
                + " proceeded in a session of level " + level + ", caller's ceiling " + ceiling);
        check(Integer.valueOf(claimed).equals(call.bound(Priority.CURRENT)), "the class is not bound for the call");
    }

    // ---- the puzzle a server sends back, on the client ----

    static void puzzleFromServer(FuzzedDataProvider data) {
        int difficulty = data.consumeInt(0, 8); // solving costs 2^difficulty hashes: keep it small
        ClientAdvice advice = ClientPuzzle.client().client(Map.of("difficulty", difficulty));
        byte[] challenge = data.consumeRemainingAsBytes();
        ClientScope call = TestSessions.clientScope(METHOD, SESSION);
        Metadata trailers = new Metadata();
        trailers.put(PUZZLE, challenge);
        call.nextAttempt(trailers);
        try {
            if (advice.answer(call)) solves(call.outgoing(ClientPuzzle.SOLUTION), challenge, difficulty);
            advice.afterCall(call, Status.OK); // kept as the next call's puzzle
            call.nextAttempt(null);
            advice.beforeCall(call);
        } catch (AssertionError e) {
            throw e;
        } catch (Throwable t) {
            throw escaped("the puzzle's client half", "nothing", t);
        }
        byte[] ahead = call.outgoing(ClientPuzzle.SOLUTION);
        if (ahead != null) solves(ahead, challenge, difficulty);
    }

    private static void solves(byte[] solution, byte[] challenge, int agreed) {
        int difficulty = challenge[1] & 0xff;
        check(difficulty <= agreed, "the client solved a puzzle of " + difficulty + " bits, " + agreed + " agreed");
        check(solution.length == challenge.length + 8
                && Arrays.equals(Arrays.copyOf(solution, challenge.length), challenge), "a solution of another puzzle");
        check(leadingZeroBits(sha256(solution)) >= difficulty, "a solution that does not solve the puzzle");
    }

    // ---- helpers ----

    private static Verdict onCall(ServerAdvice advice, ServerScope call, String adaptlet) {
        Verdict v;
        try {
            v = advice.onCall(call);
        } catch (Throwable t) {
            throw escaped(adaptlet + "'s server advice", "nothing (a Verdict)", t);
        }
        check(v != null, adaptlet + " gave no verdict");
        return v;
    }

    /** HMAC-SHA256 with m1's secret as auth.hmac signs: domain, header so far, 0, method, 0, session. */
    private static byte[] hmacSignature(byte[] signed, int body, String method, String session) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(SECRET, "HmacSHA256"));
            mac.update("gridlet-auth-v1".getBytes(StandardCharsets.UTF_8));
            mac.update(signed, 0, body);
            mac.update((byte) 0);
            mac.update(method.getBytes(StandardCharsets.UTF_8));
            mac.update((byte) 0);
            mac.update(session.getBytes(StandardCharsets.UTF_8));
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int leadingZeroBits(byte[] hash) {
        int bits = 0;
        for (byte b : hash) {
            if (b != 0) return bits + Integer.numberOfLeadingZeros(b & 0xff) - 24;
            bits += 8;
        }
        return bits;
    }

    private static Metadata.Key<byte[]> raw(String name) {
        return Metadata.Key.of(name, Metadata.BINARY_BYTE_MARSHALLER);
    }

    private interface Layout {
        void write(DataOutputStream out) throws IOException;
    }

    private static byte[] write(Layout layout) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            layout.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static void check(boolean holds, String what) {
        if (!holds) throw new AssertionError(what);
    }

    private static AssertionError escaped(String decoder, String allowed, Throwable t) {
        return new AssertionError(decoder + " may throw " + allowed + ", got " + t, t);
    }
}
