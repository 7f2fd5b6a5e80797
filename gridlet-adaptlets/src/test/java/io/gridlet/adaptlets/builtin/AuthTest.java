package io.gridlet.adaptlets.builtin;

import io.gridlet.adaptlets.AdaptletServer;
import io.gridlet.adaptlets.AdmissionLimits;
import io.gridlet.adaptlets.ClientScope;
import io.gridlet.adaptlets.ClientSession;
import io.gridlet.adaptlets.DecisionCounts;
import io.gridlet.adaptlets.Loopback;
import io.gridlet.adaptlets.OverLimit;
import io.gridlet.adaptlets.Recorder;
import io.gridlet.adaptlets.ServerAdvice;
import io.gridlet.adaptlets.TestService;
import io.gridlet.adaptlets.TestSessions;
import io.gridlet.adaptlets.Verdict;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.gridlet.adaptlets.TestService.assertStatus;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** auth.hmac and authz on a real server. */
class AuthTest {
    static final byte[] M1 = "meter-1-secret-0123456789".getBytes();
    static final byte[] A1 = "analyst-1-secret-01234567".getBytes();
    static final String SERVER = """
            policy gateway {
              feature auth.hmac;
              feature authz;
              auth.hmac;
              authz;
            }
            """;
    static final String CLIENT = """
            policy meter {
              feature auth.hmac;
              feature authz;
              auth.hmac;
            }
            """;

    static Identities identities() {
        return new Identities().add("meter-1", M1, 1, "meter").add("meter-2", "meter-2-secret-0123456789".getBytes(),
                1, "meter").add("analyst-1", A1, 3, "analyst");
    }

    static AdaptletServer.Builder server() {
        return AdaptletServer.builder(SERVER).adaptlet(HmacAuth.server(identities()), Authorization.server(
                Authorization.Rule.of("test.Meter/Send", "meter").ownedBy(TestService::owner),
                Authorization.Rule.of("test.Meter/Upload", "meter").ownedBy(TestService::owner),
                Authorization.Rule.of("test.Meter/Results", "analyst")));
    }


    @Test
    void signedCallsCarryTheCallersIdentityToTheApplication() throws Exception {
        try (Loopback net = new Loopback(server())) {
            ClientSession meter = net.session(CLIENT, HmacAuth.client("meter-1", M1), Authorization.client());
            assertThat(meter.configuration().toString()).isEqualTo("auth.hmac, authz");
            assertThat(meter.weaver().order()).containsExactly("auth.hmac", "authz");
            assertThat(TestService.send(meter.channel(), "meter-1:42")).isEqualTo("ok meter-1:42 from meter-1");
            assertThat(TestService.send(meter.channel(), "meter-1:43")).isEqualTo("ok meter-1:43 from meter-1");
            assertThat(net.server.outcomes().get("auth.hmac", "accepted")).isEqualTo(2);
            assertThat(net.server.outcomes().get("authz", "accepted")).isEqualTo(2);
        }
    }

    @Test
    void anIdentityOverItsShareOfTheReplayCacheIsRefusedWhileAnotherIsServed() throws Exception {
        try (Loopback net = new Loopback(server()
                .limits(AdmissionLimits.DEFAULTS.toBuilder().replayEntriesPerIdentity(5).build()))) {
            ClientSession m1 = net.session(CLIENT, HmacAuth.client("meter-1", M1), Authorization.client());
            ClientSession m2 = net.session(CLIENT, HmacAuth.client("meter-2", "meter-2-secret-0123456789".getBytes()),
                    Authorization.client());
            for (int i = 0; i < 5; i++) assertThat(TestService.send(m1.channel(), "meter-1:" + i)).startsWith("ok");
            assertThatThrownBy(() -> TestService.send(m1.channel(), "meter-1:5"))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertStatus(e, Status.Code.RESOURCE_EXHAUSTED, "over the limit replay-entries-per-identity: "
                                + "meter-1 has 5 nonces of signed calls remembered; retry after");
                        assertThat(e.getTrailers().get(OverLimit.LIMIT)).isEqualTo("replay-entries-per-identity");
                    });
            assertThat(TestService.send(m2.channel(), "meter-2:1")).startsWith("ok");
            assertThat(net.server.outcomes().refusals(AdmissionLimits.Limit.REPLAY_ENTRIES_PER_IDENTITY))
                    .isEqualTo(1);
            assertThat(net.server.outcomes().get("auth.hmac", "over-limit")).isEqualTo(1);
        }
    }

    @Test
    void aSessionIsTheFirstIdentitysThatAuthenticatesInIt() throws Exception {
        byte[] m2Secret = "meter-2-secret-0123456789".getBytes();
        try (Loopback net = new Loopback(server())) {
            Recorder rec = new Recorder();
            ClientSession m1 = net.session(rec.wrap(net.channel()), CLIENT, HmacAuth.client("meter-1", M1),
                    Authorization.client());
            assertThat(TestService.send(m1.channel(), "meter-1:1")).startsWith("ok");
            // meter-2 signs, with its own secret, a call in meter-1's session (whose id it learnt)
            ClientScope forging = TestSessions.clientScope(TestService.SEND, m1.id());
            HmacAuth.client("meter-2", m2Secret).client(Map.of()).beforeCall(forging);
            Metadata headers = new Metadata();
            headers.merge(rec.last());
            HmacAuth.SIGNED.into(headers, forging.outgoing(HmacAuth.SIGNED));
            assertThatThrownBy(() -> Recorder.rawSend(net.channel(), headers, "meter-2:1"))
                    .satisfies(e -> assertStatus(e, Status.Code.PERMISSION_DENIED,
                            "meter-2 signed a call in another identity's session"));
            assertThat(net.server.outcomes().get("auth.hmac", "other-identity")).isEqualTo(1);
            assertThat(TestService.send(m1.channel(), "meter-1:2")).startsWith("ok");
        }
    }

    @Test
    void badSignaturesUnknownMetersOldTimestampsAndReplayedNoncesAreRefusedAndCounted() throws Exception {
        try (Loopback net = new Loopback(server())) {
            ClientSession wrongKey = net.session(CLIENT, HmacAuth.client("meter-1", A1), Authorization.client());
            assertThatThrownBy(() -> TestService.send(wrongKey.channel(), "meter-1:1"))
                    .satisfies(e -> assertStatus(e, Status.Code.UNAUTHENTICATED, "bad signature for meter-1"));
            ClientSession stranger = net.session(CLIENT, HmacAuth.client("meter-9", M1), Authorization.client());
            assertThatThrownBy(() -> TestService.send(stranger.channel(), "meter-9:1"))
                    .satisfies(e -> assertStatus(e, Status.Code.UNAUTHENTICATED, "unknown identity meter-9"));
            ClientSession late = net.session(CLIENT, HmacAuth.client("meter-1", M1,
                    () -> System.currentTimeMillis() - 3_600_000), Authorization.client());
            assertThatThrownBy(() -> TestService.send(late.channel(), "meter-1:1"))
                    .satisfies(e -> assertStatus(e, Status.Code.UNAUTHENTICATED, "ms from the server's clock"));

            Recorder rec = new Recorder();
            ClientSession good = net.session(rec.wrap(net.channel()), CLIENT, HmacAuth.client("meter-1", M1),
                    Authorization.client());
            assertThat(TestService.send(good.channel(), "meter-1:1")).endsWith("from meter-1");
            Metadata captured = rec.last();
            assertThatThrownBy(() -> Recorder.rawSend(net.channel(), captured, "meter-1:1"))
                    .satisfies(e -> assertStatus(e, Status.Code.UNAUTHENTICATED, "replayed"));
            // the same signature in another session is not valid there (the session id is signed)
            ClientSession other = net.session(CLIENT, HmacAuth.client("meter-1", M1), Authorization.client());
            Metadata moved = new Metadata();
            moved.merge(captured);
            moved.discardAll(Metadata.Key.of("gridlet-session", Metadata.ASCII_STRING_MARSHALLER));
            moved.put(Metadata.Key.of("gridlet-session", Metadata.ASCII_STRING_MARSHALLER), other.id());
            assertThatThrownBy(() -> Recorder.rawSend(net.channel(), moved, "meter-1:1"))
                    .satisfies(e -> assertStatus(e, Status.Code.UNAUTHENTICATED, "bad signature"));

            DecisionCounts o = net.server.outcomes();
            assertThat(o.get("auth.hmac", "bad-signature")).isEqualTo(2);
            assertThat(o.get("auth.hmac", "unknown-identity")).isEqualTo(1);
            assertThat(o.get("auth.hmac", "stale-timestamp")).isEqualTo(1);
            assertThat(o.get("auth.hmac", "replayed-nonce")).isEqualTo(1);
            assertThat(o.get("auth.hmac", "accepted")).isEqualTo(1);
        }
    }

    @Test
    void aTimestampAsFarFromTheClockAsALongGoesIsStaleToo() { // found writing SessionAndHeadersFuzzTest
        long now = 1_700_000_000_000L; // |now - ts| overflowed to a negative number for ts = now + 2^63
        ServerAdvice server = HmacAuth.server(identities(), () -> now, 30_000).server(Map.of());
        ClientScope call = TestSessions.clientScope(TestService.SEND, "session-1");
        HmacAuth.client("meter-1", M1, () -> now + Long.MIN_VALUE).client(Map.of()).beforeCall(call);
        Metadata headers = new Metadata();
        HmacAuth.SIGNED.into(headers, call.outgoing(HmacAuth.SIGNED));
        Verdict v = server.onCall(TestSessions.scope(TestService.SEND, headers, TestSessions.session("session-1")));
        assertThat(v.kind()).isEqualTo(Verdict.Kind.REJECT);
        assertThat(v.outcome()).isEqualTo("stale-timestamp");
    }

    @Test
    void metersSendOnlyTheirOwnReadingsAndOnlyAnalystsReadResults() throws Exception {
        try (Loopback net = new Loopback(server())) {
            ClientSession meter = net.session(CLIENT, HmacAuth.client("meter-1", M1), Authorization.client());
            ClientSession analyst = net.session(CLIENT, HmacAuth.client("analyst-1", A1), Authorization.client());
            assertThat(TestService.send(meter.channel(), "meter-1:7")).isEqualTo("ok meter-1:7 from meter-1");
            assertThatThrownBy(() -> TestService.send(meter.channel(), "meter-2:7"))
                    .satisfies(e -> assertStatus(e, Status.Code.PERMISSION_DENIED,
                            "meter-1 may only send its own data, not meter-2's"));
            assertThatThrownBy(() -> TestService.upload(meter.channel(), 3)) // readings of meter "m"
                    .satisfies(e -> assertStatus(e, Status.Code.PERMISSION_DENIED, "not m's"));
            assertThatThrownBy(() -> TestService.send(analyst.channel(), "analyst-1:1"))
                    .satisfies(e -> assertStatus(e, Status.Code.PERMISSION_DENIED, "none of the roles [meter]"));
            assertThat(io.grpc.stub.ClientCalls.blockingUnaryCall(analyst.channel(), TestService.RESULTS,
                    io.grpc.CallOptions.DEFAULT, "")).isEqualTo("results for analyst-1");
            assertThatThrownBy(() -> io.grpc.stub.ClientCalls.blockingUnaryCall(meter.channel(), TestService.RESULTS,
                    io.grpc.CallOptions.DEFAULT, ""))
                    .satisfies(e -> assertStatus(e, Status.Code.PERMISSION_DENIED, "none of the roles [analyst]"));
            assertThatThrownBy(() -> TestService.repeat(meter.channel(), 1))
                    .satisfies(e -> assertStatus(e, Status.Code.PERMISSION_DENIED, "no rule allows test.Meter/Repeat"));
            DecisionCounts o = net.server.outcomes();
            assertThat(o.get("authz", "not-owner")).isEqualTo(2);
            assertThat(o.get("authz", "role")).isEqualTo(2);
            assertThat(o.get("authz", "no-rule")).isEqualTo(1);
        }
    }

    @Test
    void allTheBuiltInAdaptletsTogetherRunInTheirDeclaredOrder() throws Exception {
        String all = """
                policy all {
                  feature puzzle(difficulty: 0..20);
                  feature auth.hmac;
                  feature auth.mtls;
                  feature authz;
                  feature priority(level: 0..3);
                  puzzle and puzzle.difficulty == 6;
                  auth.hmac and authz and priority and priority.level == 1;
                }
                """;
        try (Loopback net = new Loopback(AdaptletServer.builder(all).adaptlet(
                Priority.server(), Authorization.server(Authorization.Rule.of("test.Meter/*", "meter")
                        .ownedBy(TestService::owner)), MutualTlsAuth.server(identities()),
                HmacAuth.server(identities()), ClientPuzzle.server("0123456789abcdef0123456789abcdef".getBytes())))) {
            assertThat(net.server.weaver().order()).containsExactly("puzzle", "auth.hmac", "auth.mtls", "authz",
                    "priority");
            ClientSession s = net.session(all, HmacAuth.client("meter-1", M1), Priority.client(),
                    ClientPuzzle.client(), Authorization.client(), MutualTlsAuth.client());
            for (int i = 0; i < 3; i++) {
                assertThat(TestService.send(s.channel(), "meter-1:" + i))
                        .isEqualTo("ok meter-1:" + i + " from meter-1 at 1");
            }
            assertThatThrownBy(() -> TestService.send(s.channel(), "meter-2:1"))
                    .satisfies(e -> assertStatus(e, Status.Code.PERMISSION_DENIED, "not meter-2's"));
            DecisionCounts o = net.server.outcomes();
            assertThat(o.snapshot()).containsEntry("puzzle/challenged", 1L).containsEntry("puzzle/accepted", 4L)
                    .containsEntry("auth.hmac/accepted", 4L).containsEntry("authz/accepted", 4L)
                    .containsEntry("authz/not-owner", 1L).containsEntry("priority/accepted", 4L);
        }
    }

    @Test
    void authorizationWithoutAnAuthenticatedCallerIsRefused() throws Exception {
        String both = "policy p { feature authz; authz; }";
        try (Loopback net = new Loopback(AdaptletServer.builder(both).adaptlet(Authorization.server(
                Authorization.Rule.of("*", "meter"))))) {
            ClientSession s = net.session(both, Authorization.client());
            assertThatThrownBy(() -> TestService.send(s.channel(), "m:1"))
                    .satisfies(e -> assertStatus(e, Status.Code.UNAUTHENTICATED, "needs an authenticated caller"));
            assertThat(net.server.outcomes().get("authz", "anonymous")).isEqualTo(1);
        }
    }
}
