package io.gridlet.adaptlets.builtin;

import io.gridlet.adaptlets.Adaptlet;
import io.gridlet.adaptlets.AdmissionLimits;
import io.gridlet.adaptlets.ClientAdvice;
import io.gridlet.adaptlets.ClientScope;
import io.gridlet.adaptlets.DataSlot;
import io.gridlet.adaptlets.OverLimit;
import io.gridlet.adaptlets.ServerAdvice;
import io.gridlet.adaptlets.ServerScope;
import io.gridlet.adaptlets.Verdict;
import io.grpc.Status;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * {@code auth.hmac}: each call is signed by the meter with its own secret. The call carries the meter id, a
 * timestamp, a 16-byte random nonce and HMAC-SHA256 over those, the method and the session id. The server refuses
 * (UNAUTHENTICATED) an unknown id, a timestamp more than the allowed skew away from its clock, a wrong signature,
 * and a nonce the same meter used before within the skew window (so a captured call cannot be replayed, not even in
 * another session). On success the caller's {@link Identity} is bound for later adaptlets and the application, and
 * the session becomes the caller's (a call in a session another identity authenticated in is refused,
 * PERMISSION_DENIED).
 *
 * <p>The nonces are remembered per identity, up to the server's {@link AdmissionLimits#replayEntriesPerIdentity()}
 * live at once: an identity signing faster than that is refused (RESOURCE_EXHAUSTED, saying when its oldest nonces
 * expire) while the others go on; only if the whole cache (a million) is full is everyone refused.
 *
 * <p>What is signed is the call, not its messages: message integrity and confidentiality come from the transport
 * (TLS) and from sealing the readings; a signature does not stop someone on the path from changing a plaintext
 * message.
 */
public final class HmacAuth implements Adaptlet {
    public static final String NAME = "auth.hmac";
    /** The authentication adaptlets: what runs after them sees the caller's {@link Identity}. */
    public static final Set<String> AUTHENTICATION = Set.of(NAME, MutualTlsAuth.NAME);
    /** Headers: id length, id, timestamp, nonce, signature. */
    public static final DataSlot<byte[]> SIGNED = DataSlot.call("auth");

    private static final byte[] DOMAIN = "gridlet-auth-v1".getBytes(StandardCharsets.UTF_8);
    private static final int NONCE = 16;
    private static final int SIG = 32;

    private final String id;                  // client side
    private final SecretKeySpec key;          // client side
    private final Identities identities;      // server side
    private final LongSupplier clockMillis;
    private final long skewMillis;
    private final ReplayCache nonces;
    private final SecureRandom random = new SecureRandom();

    private HmacAuth(String id, byte[] secret, Identities identities, LongSupplier clockMillis, long skewMillis) {
        this.id = id;
        this.key = secret == null ? null : Hmac.key(secret);
        this.identities = identities;
        this.clockMillis = clockMillis;
        this.skewMillis = skewMillis;
        this.nonces = identities == null ? null : new ReplayCache(1_000_000, Math.max(1, skewMillis / 2));
    }

    /** The meter's half: signs every call as {@code id} with {@code secret}. */
    public static HmacAuth client(String id, byte[] secret) {
        return client(id, secret, System::currentTimeMillis);
    }

    public static HmacAuth client(String id, byte[] secret, LongSupplier clockMillis) {
        if (id.getBytes(StandardCharsets.UTF_8).length > 255) throw new IllegalArgumentException("id too long");
        return new HmacAuth(id, secret, null, clockMillis, 0);
    }

    /** The server's half: checks signatures against these identities, timestamps within {@code skewMillis}. */
    public static HmacAuth server(Identities identities, LongSupplier clockMillis, long skewMillis) {
        return new HmacAuth(null, null, identities, clockMillis, skewMillis);
    }

    public static HmacAuth server(Identities identities) {
        return server(identities, System::currentTimeMillis, 30_000);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public ClientAdvice client(Map<String, Object> params) {
        if (key == null) throw Adaptlet.wrongSide(NAME, "client");
        byte[] idBytes = id.getBytes(StandardCharsets.UTF_8);
        return new ClientAdvice() {
            @Override
            public void beforeCall(ClientScope call) {
                byte[] signed = new byte[1 + idBytes.length + 8 + NONCE + SIG];
                ByteBuffer b = ByteBuffer.wrap(signed);
                b.put((byte) idBytes.length).put(idBytes).putLong(clockMillis.getAsLong());
                byte[] nonce = new byte[NONCE];
                random.nextBytes(nonce);
                b.put(nonce);
                int body = b.position();
                System.arraycopy(sign(key, signed, body, call.method().getFullMethodName(), call.sessionId()), 0,
                        signed, body, SIG);
                call.put(SIGNED, signed);
            }
        };
    }

    @Override
    public ServerAdvice server(Map<String, Object> params) {
        if (identities == null) throw Adaptlet.wrongSide(NAME, "server");
        return call -> {
            byte[] signed = call.get(SIGNED);
            if (signed == null || signed.length < 1 + 1 + 8 + NONCE + SIG
                    || signed.length != 1 + (signed[0] & 0xff) + 8 + NONCE + SIG) {
                return refuse("malformed", "no valid signature header (" + SIGNED + ")");
            }
            int idLength = signed[0] & 0xff;
            String caller = new String(signed, 1, idLength, StandardCharsets.UTF_8);
            byte[] secret = identities.secret(caller);
            if (secret == null) return refuse("unknown-identity", "unknown identity " + caller);
            long ts = ByteBuffer.wrap(signed, 1 + idLength, 8).getLong();
            long now = clockMillis.getAsLong();
            if (ts < now - skewMillis || ts > now + skewMillis) { // (|now - ts| overflows for ts far enough off)
                return refuse("stale-timestamp", "the signature's timestamp is " + (now - ts)
                        + " ms from the server's clock (allowed: " + skewMillis + ")");
            }
            int body = signed.length - SIG;
            byte[] expected = sign(Hmac.key(secret), signed, body, call.method().getFullMethodName(),
                    call.sessionId());
            if (!MessageDigest.isEqual(expected, Arrays.copyOfRange(signed, body, signed.length))) {
                return refuse("bad-signature", "bad signature for " + caller);
            }
            ByteBuffer n = ByteBuffer.wrap(signed, body - NONCE, NONCE);
            // the caller is folded into the value: a nonce is one meter's, 128 random bits make collisions moot
            long high = n.getLong() ^ (caller.hashCode() * 0x9E3779B97F4A7C15L);
            switch (nonces.use(caller, call.limits().replayEntriesPerIdentity(), high, n.getLong(),
                    ts + skewMillis, now)) {
                case REPLAY:
                    return refuse("replayed-nonce", "the nonce was used before (a replayed call)");
                case FULL:
                    return Verdict.overLimit(new OverLimit(AdmissionLimits.Limit.REPLAY_ENTRIES,
                            "the server remembers " + nonces.size() + " nonces of signed calls", skewMillis / 2));
                case OWNER_FULL:
                    return Verdict.overLimit(new OverLimit(AdmissionLimits.Limit.REPLAY_ENTRIES_PER_IDENTITY,
                            caller + " has " + nonces.size(caller) + " nonces of signed calls remembered",
                            nonces.millisUntilRoom(caller, now)));
                default:
                    if (!call.authenticated(caller)) {
                        return Verdict.reject(Status.PERMISSION_DENIED.withDescription(caller
                                + " signed a call in another identity's session"), "other-identity");
                    }
                    call.bind(Identity.CURRENT, identities.identity(caller));
                    return Verdict.PROCEED;
            }
        };
    }

    private static byte[] sign(SecretKeySpec key, byte[] signed, int body, String method, String session) {
        Mac mac = Hmac.keyed(key);
        mac.update(DOMAIN);
        mac.update(signed, 0, body);
        mac.update((byte) 0);
        mac.update(method.getBytes(StandardCharsets.UTF_8));
        mac.update((byte) 0);
        mac.update(session.getBytes(StandardCharsets.UTF_8));
        return mac.doFinal();
    }

    private static Verdict refuse(String outcome, String why) {
        return Verdict.reject(Status.UNAUTHENTICATED.withDescription(why), outcome);
    }
}
