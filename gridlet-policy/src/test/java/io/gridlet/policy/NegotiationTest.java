package io.gridlet.policy;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The session-start exchange: offer, answer, verification, the digest cache and the limits. */
class NegotiationTest {
    private final AtomicReference<Double> cpu = new AtomicReference<>(0.2);
    private final Negotiation.Server server = new Negotiation.Server(
            PolicyParser.parse("server", ResolverTest.SERVER), () -> Map.of("cpuUsage", cpu.get()), 100, 200);
    private final Negotiation.Client client = new Negotiation.Client(ResolverTest.CLIENT);

    @Test
    void theClientGetsAVerifiedConfigurationThatFollowsTheServersLoad() {
        Configuration quiet = client.verify(server.answer(client.offer(true)));
        assertThat(quiet.isOn("puzzle")).isFalse();
        cpu.set(0.9);
        // the server knows the policy by its digest now: the text need not travel again
        Negotiation.Answer busy = server.answer(client.offer(false));
        assertThat(client.verify(busy).value("puzzle", "difficulty")).isEqualTo(16);
        assertThat(((Negotiation.Agreed) busy).inputs()).containsEntry("cpuUsage", 0.9);
    }

    @Test
    void anUnknownDigestAsksForTheText() {
        assertThat(server.answer(client.offer(false))).isInstanceOf(Negotiation.NeedPolicy.class);
        assertThat(server.answer(new Negotiation.Offer("00", ResolverTest.CLIENT)))
                .isEqualTo(new Negotiation.Refused(Negotiation.Reason.INVALID_POLICY,
                        List.of("the digest does not match the policy text")));
    }

    @Test
    void theClientRefusesAConfigurationItsPolicyDoesNotAllow() {
        Configuration tooHard = new Configuration(Map.of("auth.hmac", Map.of(),
                "puzzle", Map.of("difficulty", 20)));
        assertThatThrownBy(() -> client.verify(new Negotiation.Agreed(tooHard, Map.of("cpuUsage", 0.9), 0)))
                .hasMessageContaining("violates this policy").hasMessageContaining("line 6");
        Configuration unknown = new Configuration(Map.of("auth.hmac", Map.of(), "auth.mtls", Map.of()));
        assertThatThrownBy(() -> client.verify(new Negotiation.Agreed(unknown, Map.of(), 0)))
                .hasMessageContaining("auth.mtls is not in the vocabulary of meter");
        Configuration outside = new Configuration(Map.of("auth.hmac", Map.of(), "compress", Map.of("level", 10)));
        assertThatThrownBy(() -> client.verify(new Negotiation.Agreed(outside, Map.of(), 0)))
                .hasMessageContaining("compress.level = 10 is outside 1..9");
    }

    @Test
    void conflictsAndBadPoliciesAreRefusedWithTheirReasons() {
        cpu.set(0.9);
        String harsh = ResolverTest.CLIENT.replace("<= 16", "<= 8");
        Negotiation.Answer a = server.answer(new Negotiation.Offer(Negotiation.digest(harsh), harsh));
        assertThat(a).isInstanceOf(Negotiation.Refused.class);
        assertThat(((Negotiation.Refused) a).reason()).isEqualTo(Negotiation.Reason.CONFLICT);
        assertThat(((Negotiation.Refused) a).details()).anyMatch(d -> d.startsWith("meter line 6:"));
        assertThatThrownBy(() -> new Negotiation.Client(harsh).verify(a)).hasMessageContaining("CONFLICT");

        String broken = "policy x { feature a; b; }";
        Negotiation.Answer bad = server.answer(new Negotiation.Offer(Negotiation.digest(broken), broken));
        assertThat(bad).isEqualTo(new Negotiation.Refused(Negotiation.Reason.INVALID_POLICY,
                List.of("client:1:23: unknown feature b (declared: a)")));

        String huge = "policy x { feature a(v: 0..4000); " + "a.v > 1 or ".repeat(7000) + "a; }";
        Negotiation.Answer limit = server.answer(new Negotiation.Offer(Negotiation.digest(huge), huge));
        assertThat(((Negotiation.Refused) limit).reason()).isEqualTo(Negotiation.Reason.LIMIT);
    }
}
