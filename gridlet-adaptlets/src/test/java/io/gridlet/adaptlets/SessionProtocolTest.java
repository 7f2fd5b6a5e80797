package io.gridlet.adaptlets;

import io.gridlet.policy.Configuration;
import io.gridlet.policy.Negotiation;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SessionProtocolTest {
    static <T> T roundTrip(io.grpc.MethodDescriptor.Marshaller<T> m, T value) {
        return m.parse(m.stream(value));
    }

    /**
     * The configuration digest a second implementation must reproduce (docs/adaptlet-protocol.md 2.5): SHA-256
     * over the canonical text, reals as their IEEE 754 bits in hex, so no language's or JDK's way of printing a
     * double matters. Integer-only configurations keep the digests the protocol document quotes.
     */
    @Test
    void theConfigurationDigestIsOverTheCanonicalText() throws Exception {
        Configuration ints = new Configuration(Map.of("auth.hmac", Map.of(), "authz", Map.of(),
                "priority", Map.of("level", 2)));
        assertThat(ints.canonical()).isEqualTo(ints.toString()).isEqualTo("auth.hmac, authz, priority(level=2)");
        assertThat(SessionProtocol.digest(ints)).isEqualTo("f4b34d1993d1a268");
        Configuration reals = new Configuration(Map.of("cpp", Map.of("size", 4.8, "scale", 2e23, "zero", -0.0),
                "mode", Map.of("on", true, "kind", "fast")));
        assertThat(reals.toString()).isEqualTo("cpp(scale=1.9999999999999998E23, size=4.8, zero=-0.0), "
                + "mode(kind=fast, on=true)");
        assertThat(reals.canonical()).isEqualTo("cpp(scale=0x44c52d02c7e14af6, size=0x4013333333333333, "
                + "zero=0x8000000000000000), mode(kind=fast, on=true)");
        byte[] sha = java.security.MessageDigest.getInstance("SHA-256")
                .digest(reals.canonical().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(SessionProtocol.digest(reals)).isEqualTo(java.util.HexFormat.of().formatHex(sha, 0, 8));
        assertThat(new Configuration(Map.of()).canonical()).isEqualTo("(nothing)");
    }

    @Test
    void messagesSurviveTheWire() {
        var offers = SessionProtocol.OPEN.getRequestMarshaller();
        var replies = SessionProtocol.OPEN.getResponseMarshaller();
        assertThat(roundTrip(offers, new Negotiation.Offer("abc", "policy p { }")))
                .isEqualTo(new Negotiation.Offer("abc", "policy p { }"));
        assertThat(roundTrip(offers, new Negotiation.Offer("abc", null))).isEqualTo(new Negotiation.Offer("abc", null));
        Configuration c = new Configuration(Map.of("puzzle", Map.of("difficulty", 12), "auth.hmac", Map.of(),
                "mode", Map.of("kind", "fast", "on", true), "cpp", Map.of("size", 14.4)));
        SessionProtocol.Reply agreed = new SessionProtocol.Reply(new Negotiation.Agreed(c, Map.of("load", 0.5), 7),
                "0123456789abcdef0123456789abcdef");
        assertThat(roundTrip(replies, agreed)).isEqualTo(agreed);
        SessionProtocol.Reply refused = new SessionProtocol.Reply(new Negotiation.Refused(Negotiation.Reason.CONFLICT,
                List.of("line 3: a", "line 4: b")), null);
        assertThat(roundTrip(replies, refused)).isEqualTo(refused);
        SessionProtocol.Reply need = new SessionProtocol.Reply(new Negotiation.NeedPolicy("d"), null);
        assertThat(roundTrip(replies, need)).isEqualTo(need);
    }

    @Test
    void malformedBytesAreRefusedWithInvalidArgumentNeverAnythingElse() {
        var offers = SessionProtocol.OPEN.getRequestMarshaller();
        var replies = SessionProtocol.OPEN.getResponseMarshaller();
        Random random = new Random(20141123);
        for (int i = 0; i < 5_000; i++) {
            byte[] junk = new byte[random.nextInt(64)];
            random.nextBytes(junk);
            if (i % 3 == 0 && junk.length > 4) junk[0] = junk[1] = junk[2] = 0; // plausible small lengths
            for (var m : List.of(offers, replies)) {
                try {
                    m.parse(new ByteArrayInputStream(junk));
                } catch (StatusRuntimeException e) {
                    assertThat(e.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.INVALID_ARGUMENT);
                }
            }
        }
        assertThatThrownBy(() -> offers.parse(new ByteArrayInputStream(new byte[]{0, 0, 0, 9, 'a'})))
                .hasMessageContaining("malformed session message");
    }
}
