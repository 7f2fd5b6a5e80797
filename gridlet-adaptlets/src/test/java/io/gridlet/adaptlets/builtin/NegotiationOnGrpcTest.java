package io.gridlet.adaptlets.builtin;

import io.gridlet.adaptlets.AdaptletServer;
import io.gridlet.adaptlets.AdmissionLimits;
import io.gridlet.adaptlets.ClientSession;
import io.gridlet.adaptlets.Loopback;
import io.gridlet.adaptlets.OverLimit;
import io.gridlet.adaptlets.TestService;
import io.gridlet.policy.PolicyException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicReference;

import static io.gridlet.adaptlets.TestService.assertStatus;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The session service picks the adaptlets from the two policies and the server's inputs, and follows them. */
class NegotiationOnGrpcTest {
    static final byte[] SECRET = "meter-1-secret-0123456789".getBytes();
    static final String GATEWAY = """
            policy gateway {
              feature puzzle(difficulty: 0..24);
              feature auth.hmac;
              feature auth.mtls;
              feature priority(level: 0..3);
              exactly-one { auth.hmac; auth.mtls };
              let busy = load() in
                if busy > 0.8 then puzzle and puzzle.difficulty >= 10
                else not puzzle;
              priority requires priority.level <= 1;
            }
            """;
    static final String METER = """
            policy meter {
              feature puzzle(difficulty: 0..24);
              feature auth.hmac;
              feature priority(level: 0..3);
              auth.hmac;
              puzzle requires puzzle.difficulty <= 12;
              prefer low puzzle.difficulty;
              prefer high priority.level;
            }
            """;
    static final String ANALYST = """
            policy analyst {
              feature auth.mtls;
              auth.mtls;
            }
            """;
    static final String WEAK_METER = """
            policy weak {
              feature puzzle(difficulty: 0..24);
              feature auth.hmac;
              auth.hmac;
              puzzle requires puzzle.difficulty <= 8;
            }
            """;

    static AdaptletServer.Builder gateway(AtomicReference<Double> load) {
        return AdaptletServer.builder(GATEWAY)
                .refreshEvery(java.time.Duration.ofHours(1)) // the tests refresh when they mean to
                .input("load", load::get)
                .adaptlet(ClientPuzzle.server("0123456789abcdef0123456789abcdef".getBytes()),
                        HmacAuth.server(new Identities().add("meter-1", SECRET, 3, "meter")),
                        MutualTlsAuth.server(new Identities()), Priority.server());
    }

    static ClientSession meter(Loopback net, String policy) {
        return net.session(policy, ClientPuzzle.client(), HmacAuth.client("meter-1", SECRET), Priority.client());
    }

    @Test
    void eachPairOfPoliciesAndInputsGetsItsConfiguration() throws Exception {
        AtomicReference<Double> load = new AtomicReference<>(0.2);
        try (Loopback net = new Loopback(gateway(load))) {
            assertThat(net.server.inputs()).containsKeys("cpuUsage", "queueLength", "load");
            assertThat(meter(net, METER).configuration()).hasToString("auth.hmac, priority(level=1)");
            assertThat(meter(net, WEAK_METER).configuration()).hasToString("auth.hmac");
            assertThat(net.session(ANALYST, MutualTlsAuth.client()).configuration()).hasToString("auth.mtls");

            load.set(0.9);
            net.server.refresh();
            assertThat(meter(net, METER).configuration())
                    .hasToString("auth.hmac, priority(level=1), puzzle(difficulty=10)");
            assertThatThrownBy(() -> net.session(ANALYST, MutualTlsAuth.client()))
                    .isInstanceOf(PolicyException.class)
                    .hasMessageContaining("the server refused (CONFLICT)").hasMessageContaining("busy > 0.8");
            assertThatThrownBy(() -> meter(net, WEAK_METER))
                    .isInstanceOf(PolicyException.class).hasMessageContaining("puzzle.difficulty <= 8");
        }
    }

    @Test
    void whenTheInputsChangeSessionsFollowTransparently() throws Exception {
        AtomicReference<Double> load = new AtomicReference<>(0.2);
        try (Loopback net = new Loopback(gateway(load))) {
            ClientSession s = meter(net, METER);
            String first = s.id();
            assertThat(TestService.send(s.channel(), "meter-1:1")).isEqualTo("ok meter-1:1 from meter-1 at 1");

            load.set(0.95);
            assertThat(net.server.refresh()).isEqualTo(1);
            assertThat(TestService.send(s.channel(), "meter-1:2")).isEqualTo("ok meter-1:2 from meter-1 at 1");
            assertThat(s.configuration()).hasToString("auth.hmac, priority(level=1), puzzle(difficulty=10)");
            assertThat(s.id()).isNotEqualTo(first);
            assertThat(net.server.outcomes().get("session", "stale-configuration")).isEqualTo(1);
            assertThat(net.server.outcomes().get("puzzle", "accepted")).isEqualTo(1);

            load.set(0.1);
            net.server.refresh();
            assertThat(TestService.repeat(s.channel(), 2)).hasSize(2);
            assertThat(s.configuration()).hasToString("auth.hmac, priority(level=1)");
            assertThat(net.server.outcomes().get("session", "stale-configuration")).isEqualTo(2);
        }
    }

    @Test
    void aFloodOfNewPoliciesIsRefusedWhileKnownPoliciesStillOpenSessions() throws Exception {
        AtomicReference<Double> load = new AtomicReference<>(0.2);
        try (Loopback net = new Loopback(gateway(load).newPoliciesPerSecond(0.5))) {
            meter(net, METER); // known from now on
            int refused = 0;
            for (int i = 0; i < 20; i++) {
                String distinct = METER.replace("policy meter {", "policy meter" + i + " {");
                try {
                    meter(net, distinct);
                } catch (StatusRuntimeException e) {
                    assertStatus(e, Status.Code.RESOURCE_EXHAUSTED, "over the limit new-policies");
                    assertThat(e.getTrailers().get(OverLimit.RETRY_PUSHBACK_MS)).isNotNull();
                    refused++;
                }
            }
            assertThat(refused).isGreaterThanOrEqualTo(15); // a burst of 1 (spent above), then one every 2 s
            assertThat(net.server.outcomes().refusals(AdmissionLimits.Limit.NEW_POLICIES)).isEqualTo(refused);
            assertThat(meter(net, METER).configuration()).hasToString("auth.hmac, priority(level=1)");
        }
    }

    @Test
    void theIngestExamplePoliciesDriveARealServer() throws Exception {
        java.nio.file.Path dir = java.nio.file.Path.of("..", "examples", "policies");
        String gateway = java.nio.file.Files.readString(dir.resolve("ingest-gateway.policy"));
        String meter = java.nio.file.Files.readString(dir.resolve("ingest-meter.policy"));
        AtomicReference<Double> rate = new AtomicReference<>(0.0);
        Identities ids = new Identities().add("meter-1", SECRET, 2, "meter");
        try (Loopback net = new Loopback(AdaptletServer.builder(gateway)
                .refreshEvery(java.time.Duration.ofHours(1))
                .input("callRate", rate::get) // stands in for the measured rate
                .adaptlet(ClientPuzzle.server("0123456789abcdef0123456789abcdef".getBytes()), HmacAuth.server(ids),
                        MutualTlsAuth.server(ids), Priority.server(), Compression.server(), Authorization.server(
                                Authorization.Rule.of("test.Meter/*", "meter").ownedBy(TestService::owner))))) {
            ClientSession s = net.session(meter, ClientPuzzle.client(), HmacAuth.client("meter-1", SECRET),
                    Priority.client(), Authorization.client());
            assertThat(s.configuration()).hasToString("auth.hmac, authz, priority(level=2)");
            assertThat(TestService.send(s.channel(), "meter-1:1")).isEqualTo("ok meter-1:1 from meter-1 at 2");
            rate.set(50_000.0);
            net.server.refresh();
            assertThat(TestService.send(s.channel(), "meter-1:2")).isEqualTo("ok meter-1:2 from meter-1 at 2");
            assertThat(s.configuration()).hasToString("auth.hmac, authz, priority(level=2), puzzle(difficulty=16)");
        }
    }

    @Test
    void aSessionThatExpiredOnTheServerIsReopenedTransparently() throws Exception {
        AtomicReference<Double> load = new AtomicReference<>(0.2);
        try (Loopback net = new Loopback(gateway(load).sessions(10, java.time.Duration.ofMillis(200)))) {
            ClientSession s = meter(net, METER);
            String first = s.id();
            assertThat(TestService.send(s.channel(), "meter-1:1")).startsWith("ok");
            Thread.sleep(400);
            assertThat(TestService.send(s.channel(), "meter-1:2")).startsWith("ok");
            assertThat(s.id()).isNotEqualTo(first);
            assertThat(net.server.outcomes().get("session", "unknown")).isEqualTo(1);
        }
    }
}
