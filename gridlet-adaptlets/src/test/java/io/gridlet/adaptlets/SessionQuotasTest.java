package io.gridlet.adaptlets;

import io.gridlet.adaptlets.builtin.ClientPuzzle;
import io.gridlet.adaptlets.builtin.HmacAuth;
import io.gridlet.adaptlets.builtin.Identities;
import io.gridlet.adaptlets.builtin.Priority;
import io.gridlet.policy.CompileBudget;
import io.gridlet.policy.Negotiation;
import io.gridlet.policy.PolicyException;
import io.gridlet.policy.PolicyParser;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import java.util.concurrent.CompletableFuture;

import java.util.concurrent.TimeUnit;

import io.grpc.stub.StreamObserver;

import static io.gridlet.adaptlets.TestService.assertStatus;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The session table and the compiled policies under a flood of Opens: quotas per peer and per identity, the
 * policies of live sessions kept, and Open puzzle-gated when the server is loaded.
 */
class SessionQuotasTest {
    static final String SERVER = """
            policy gateway {
              feature priority(level: 0..3);
              priority requires priority.level <= 2;
            }
            """;
    static final String METER = """
            policy meter {
              feature priority(level: 0..3);
              priority;
              prefer high priority.level;
            }
            """;
    static final byte[] SECRET = "meter-1-secret-0123456789".getBytes();
    static final byte[] PUZZLE_KEY = "0123456789abcdef0123456789abcdef".getBytes();

    /** The meter's policy under another name: the same to resolve, another to compile. */
    static String distinct(int i) {
        return METER.replace("policy meter {", "policy meter" + i + " {");
    }

    /** A policy that compiles but conflicts with the server's: it opens no session. */
    static String greedy(int i) {
        return """
                policy greedy%d {
                  feature priority(level: 0..3);
                  priority and priority.level >= 3;
                }
                """.formatted(i);
    }

    static ClientSession open(Loopback net, Channel channel, String policy) {
        return net.session(channel, policy, Priority.client());
    }

    @Test
    void aFloodOfOpensFromOnePeerIsRefusedOverItsRateWhileAnotherPeerStillOpens() throws Exception {
        try (Loopback net = new Loopback(AdaptletServer.builder(SERVER).adaptlet(Priority.server())
                .limits(AdmissionLimits.DEFAULTS.toBuilder().opensPerPeerPerSecond(0.5).build()))) {
            Channel flooder = net.channel();
            int refused = 0;
            for (int i = 0; i < 10; i++) {
                try {
                    open(net, flooder, distinct(i));
                } catch (StatusRuntimeException e) {
                    assertStatus(e, Status.Code.RESOURCE_EXHAUSTED,
                            "over the limit opens-per-peer: 127.0.0.1 opens sessions faster than 0.5 a second");
                    assertThat(Long.parseLong(e.getTrailers().get(OverLimit.RETRY_PUSHBACK_MS)))
                            .isBetween(1L, 2000L);
                    refused++;
                }
            }
            assertThat(refused).isGreaterThanOrEqualTo(8); // a burst of 1, then one every 2 s
            assertThat(net.server.outcomes().refusals(AdmissionLimits.Limit.OPENS_PER_PEER)).isEqualTo(refused);

            ClientSession neighbour = open(net, net.channelFrom("127.0.0.2"), distinct(99));
            assertThat(TestService.send(neighbour.channel(), "m2:1")).startsWith("ok");
        }
    }

    @Test
    void aPeerOverItsShareOfTheSessionTableIsRefusedWhileAnotherPeerStillOpens() throws Exception {
        try (Loopback net = new Loopback(AdaptletServer.builder(SERVER).adaptlet(Priority.server())
                .limits(AdmissionLimits.DEFAULTS.toBuilder().sessionsPerPeer(3).build()))) {
            Channel flooder = net.channel();
            for (int i = 0; i < 3; i++) open(net, flooder, distinct(i));
            for (int i = 3; i < 6; i++) {
                int n = i;
                assertThatThrownBy(() -> open(net, flooder, distinct(n)))
                        .satisfies(e -> assertStatus(e, Status.Code.RESOURCE_EXHAUSTED,
                                "over the limit sessions-per-peer: 127.0.0.1 has 3 sessions open; retry after"));
            }
            assertThat(net.server.outcomes().refusals(AdmissionLimits.Limit.SESSIONS_PER_PEER)).isEqualTo(3);
            assertThat(net.server.sessions().fromPeer("127.0.0.1")).isEqualTo(3);

            ClientSession neighbour = open(net, net.channelFrom("127.0.0.2"), METER);
            assertThat(TestService.send(neighbour.channel(), "m2:1")).startsWith("ok");
            assertThat(net.server.sessions().size()).isEqualTo(4);
        }
    }

    @Test
    void theMetersPolicyStaysCompiledThroughAFloodOfDistinctPolicies() throws Exception {
        try (Loopback net = new Loopback(AdaptletServer.builder(SERVER).adaptlet(Priority.server())
                .refreshEvery(Duration.ofHours(1)) // the test refreshes when it means to
                .limits(AdmissionLimits.DEFAULTS.toBuilder().compiledPolicies(4).newPoliciesPerSecond(1000)
                        .opensPerPeerPerSecond(1000).build()))) {
            ClientSession meter = open(net, net.channel(), METER);
            String id = meter.id();
            String digest = Negotiation.digest(METER);
            Channel flooder = net.channelFrom("127.0.0.2");
            // policies that compile but open no session churn through the unpinned part of the cache
            for (int i = 0; i < 20; i++) {
                int n = i;
                assertThatThrownBy(() -> open(net, flooder, greedy(n))).isInstanceOf(PolicyException.class)
                        .hasMessageContaining("CONFLICT");
            }
            // policies that open sessions pin their entries, until only pinned ones are left
            int opened = 0;
            int refused = 0;
            for (int i = 0; i < 6; i++) {
                try {
                    open(net, flooder, distinct(i));
                    opened++;
                } catch (StatusRuntimeException e) {
                    assertStatus(e, Status.Code.RESOURCE_EXHAUSTED,
                            "over the limit compiled-policies: open sessions run 4 distinct client policies");
                    refused++;
                }
            }
            assertThat(opened).isEqualTo(3);
            assertThat(refused).isEqualTo(3);
            assertThat(net.server.outcomes().refusals(AdmissionLimits.Limit.COMPILED_POLICIES)).isEqualTo(3);
            CompiledPolicies policies = net.server.sessions().policies();
            assertThat(policies.knows(digest)).isTrue();
            assertThat(policies.pinned()).isEqualTo(4);
            assertThat(policies.size()).isEqualTo(4);

            net.server.refresh(); // re-resolves every session's policy: the meter's is still compiled
            assertThat(TestService.send(meter.channel(), "m1:1")).startsWith("ok");
            assertThat(meter.id()).isEqualTo(id);
            assertThat(net.server.outcomes().get(WovenServer.SESSION, "unknown")).isZero();
            assertThat(open(net, net.channel(), METER).configuration()).hasToString("priority(level=2)");
        }
    }

    @Test
    void newPoliciesAreCompiledWithinTheirShareOfACoreAndKnownOnesAreAnsweredMeanwhile() {
        AtomicLong now = new AtomicLong();
        AtomicLong cpu = new AtomicLong();
        long perCompile = 150_000_000L; // each compile below "takes" 150 ms of CPU
        CompiledPolicies policies = new CompiledPolicies(PolicyParser.parse("server", SERVER), Map::of, 64,
                CompileBudget.DEFAULT_TIMEOUT_MS);
        AdmissionLimits limits = AdmissionLimits.DEFAULTS.toBuilder().newPoliciesPerSecond(1000)
                .compileCpuShare(0.25).build();
        ServerSessions sessions = new ServerSessions(policies, limits, now::get,
                () -> cpu.getAndAdd(perCompile), new DecisionCounts()); // read before and after a compile
        sessions.open(offer(METER), "p"); // 400 ms saved up (two compile budgets): 250 left
        sessions.open(offer(distinct(1)), "p"); // 100 left
        sessions.open(offer(distinct(2)), "p"); // started with some left: 50 in debt
        assertThatThrownBy(() -> sessions.open(offer(distinct(3)), "p"))
                .isInstanceOfSatisfying(OverLimit.class, e -> {
                    assertThat(e.limit()).isEqualTo(AdmissionLimits.Limit.COMPILE_CPU);
                    assertThat(e).hasMessageContaining("answering offers has used more than 0.25 of a core");
                    assertThat(e.retryAfterMillis()).isEqualTo(201); // 50 ms of CPU at a quarter core a second
                });
        // a known policy is answered whatever the share (its resolution is charged: -200, then -350 ms)
        assertThat(sessions.open(offer(METER), "p").sessionId()).isNotNull();
        assertThat(sessions.open(new Negotiation.Offer(Negotiation.digest(METER), null), "p").sessionId())
                .isNotNull();
        assertThatThrownBy(() -> sessions.open(offer(distinct(3)), "p")).isInstanceOf(OverLimit.class);
        now.addAndGet(1_500_000_000L); // a second and a half repays 375 ms
        assertThat(sessions.open(offer(distinct(3)), "p").sessionId()).isNotNull();
    }

    @Test
    void aPolicyOverTheTimeLimitIsNotKeptSoOfferingItAgainCostsACompile() {
        CompiledPolicies policies = new CompiledPolicies(PolicyParser.parse("server", SERVER), Map::of, 64, 0);
        Negotiation.Answer a = policies.answer(offer(METER), true);
        assertThat(a).isInstanceOfSatisfying(Negotiation.Refused.class,
                r -> assertThat(r.reason()).isEqualTo(Negotiation.Reason.LIMIT));
        assertThat(policies.knows(Negotiation.digest(METER))).isFalse();
        assertThat(policies.answer(new Negotiation.Offer(Negotiation.digest(METER), null), true))
                .isInstanceOf(Negotiation.NeedPolicy.class);
    }

    static Negotiation.Offer offer(String policy) {
        return new Negotiation.Offer(Negotiation.digest(policy), policy);
    }

    @Test
    void aClientPolicyTheServerKnowsIsCompiledAtStartAndStaysThroughAFlood() throws Exception {
        try (Loopback net = new Loopback(AdaptletServer.builder(SERVER).adaptlet(Priority.server())
                .clientPolicy(METER)
                .limits(AdmissionLimits.DEFAULTS.toBuilder().compiledPolicies(2).newPoliciesPerSecond(1000)
                        .opensPerPeerPerSecond(1000).build()))) {
            CompiledPolicies policies = net.server.sessions().policies();
            assertThat(policies.knows(Negotiation.digest(METER))).isTrue();
            assertThat(policies.pinned()).isEqualTo(1);
            for (int i = 0; i < 5; i++) {
                int n = i;
                assertThatThrownBy(() -> open(net, net.channel(), greedy(n))).isInstanceOf(PolicyException.class);
            }
            ClientSession meter = open(net, net.channel(), METER);
            meter.close();
            assertThat(policies.knows(Negotiation.digest(METER))).isTrue();
        }
        assertThatThrownBy(() -> AdaptletServer.builder(SERVER).adaptlet(Priority.server())
                .clientPolicy("policy broken { feature x; y; }").start())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the known client policy cannot be compiled");
    }

    @Test
    void anIdentityPastItsSessionQuotaLosesItsLeastRecentlyUsedSessionWhichItsClientReopens() throws Exception {
        String signed = METER.replace("priority;", "priority; feature auth.hmac; auth.hmac;");
        String server = SERVER.replace("priority requires", "feature auth.hmac; auth.hmac; priority requires");
        try (Loopback net = new Loopback(AdaptletServer.builder(server)
                .adaptlet(Priority.server(), HmacAuth.server(new Identities().add("meter-1", SECRET, 2, "meter")))
                .limits(AdmissionLimits.DEFAULTS.toBuilder().sessionsPerIdentity(2).build()))) {
            ClientSession[] s = new ClientSession[3];
            for (int i = 0; i < 3; i++) {
                s[i] = net.session(signed, Priority.client(), HmacAuth.client("meter-1", SECRET));
                assertThat(TestService.send(s[i].channel(), "meter-1:" + i)).endsWith("from meter-1 at 2");
            }
            assertThat(net.server.outcomes().refusals(AdmissionLimits.Limit.SESSIONS_PER_IDENTITY)).isEqualTo(1);
            assertThat(net.server.sessions().size()).isEqualTo(2);

            String closed = s[0].id();
            assertThat(TestService.send(s[0].channel(), "meter-1:3")).endsWith("from meter-1 at 2");
            assertThat(s[0].id()).isNotEqualTo(closed);
            assertThat(net.server.outcomes().get(WovenServer.SESSION, "unknown")).isEqualTo(1);
            assertThat(net.server.sessions().size()).isEqualTo(2);
        }
    }

    @Test
    void openOnALoadedServerNeedsAPuzzleThatClientSessionSolvesTransparently() throws Exception {
        try (Loopback net = new Loopback(AdaptletServer.builder(SERVER)
                .adaptlet(Priority.server(), ClientPuzzle.server(PUZZLE_KEY))
                .limits(AdmissionLimits.DEFAULTS.toBuilder().sessions(4, Duration.ofMinutes(10)).openPuzzleBits(8)
                        .build()))) {
            DecisionCounts outcomes = net.server.outcomes();
            open(net, net.channel(), METER);
            open(net, net.channel(), METER);
            assertThat(outcomes.get(WovenServer.SESSION, "open-puzzle-challenged")).as("not loaded yet").isZero();

            // two of four sessions open: loaded
            assertThatThrownBy(() -> open(net, net.channel(), METER))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertStatus(e, Status.Code.RESOURCE_EXHAUSTED, "solve the puzzle (difficulty 8 bits)");
                        assertThat(e).hasMessageContaining("no adaptlet here answers puzzle's challenge");
                    });
            assertThat(outcomes.get(WovenServer.SESSION, "open-puzzle-challenged")).isEqualTo(1);

            Recorder rec = new Recorder();
            ClientSession solver = net.session(rec.wrap(net.channel()), METER, Priority.client(),
                    ClientPuzzle.client());
            assertThat(TestService.send(solver.channel(), "m3:1")).startsWith("ok");
            assertThat(outcomes.get(WovenServer.SESSION, "open-puzzle-challenged")).isEqualTo(2);
            assertThat(outcomes.get(WovenServer.SESSION, "open-puzzle-accepted")).isEqualTo(1);

            // the solution was spent: replaying it opens nothing
            Metadata solved = rec.sent.get(1);
            assertThat(solved.containsKey(Metadata.Key.of("gridlet-puzzle-solution-bin",
                    Metadata.BINARY_BYTE_MARSHALLER))).isTrue();
            Channel replaying = ClientInterceptors.intercept(net.channel(),
                    MetadataUtils.newAttachHeadersInterceptor(solved));
            assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(replaying, SessionProtocol.OPEN,
                    CallOptions.DEFAULT, new Negotiation.Offer(Negotiation.digest(METER), null)))
                    .satisfies(e -> assertStatus(e, Status.Code.UNAUTHENTICATED, "spent before"));
            assertThat(outcomes.get(WovenServer.SESSION, "open-puzzle-replayed")).isEqualTo(1);
            assertThat(net.server.sessions().size()).isEqualTo(3);
        }
    }

    /**
     * A malformed offer is answered INVALID_ARGUMENT with the reason (not UNKNOWN "Application error", which a
     * marshaller that throws inside grpc-java would give), counted, and the server goes on opening sessions.
     */
    @Test
    void aMalformedOfferIsAnsweredInvalidArgumentWithItsReason() throws Exception {
        try (Loopback net = new Loopback(AdaptletServer.builder(SERVER).adaptlet(Priority.server()))) {
            Channel channel = net.channel();
            byte[] whole = new byte[0];
            try (var bytes = SessionProtocol.OPEN.getRequestMarshaller().stream(
                    new Negotiation.Offer(Negotiation.digest(METER), METER))) {
                whole = bytes.readAllBytes();
            }
            byte[] cut = java.util.Arrays.copyOf(whole, whole.length - 3);
            byte[] trailing = java.util.Arrays.copyOf(whole, whole.length + 1);
            byte[] huge = new byte[300_000];
            for (byte[] bad : java.util.List.of(cut, trailing, new byte[] {0, 0, 0, 9, 'a'}, huge)) {
                assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, SessionProtocol.OPEN_BYTES,
                        CallOptions.DEFAULT, bad))
                        .satisfies(e -> assertStatus(e, Status.Code.INVALID_ARGUMENT, "malformed session message"));
            }
            assertThat(net.server.outcomes().get(WovenServer.SESSION, "open-malformed")).isEqualTo(4);
            assertThat(ClientCalls.blockingUnaryCall(channel, SessionProtocol.OPEN_BYTES, CallOptions.DEFAULT, whole)
                    .sessionId()).as("a well-formed offer still opens").isNotNull();
        }
    }

    /**
     * A session is idle from its last message, not from the start of its last call: a client stream that goes on
     * longer than the idle limit keeps its session, and the next call needs no new one.
     */
    @Test
    void aLongStreamKeepsItsSessionAlive() throws Exception {
        AdmissionLimits limits = AdmissionLimits.DEFAULTS.toBuilder().sessions(100, java.time.Duration.ofMillis(1_500))
                .build();
        try (Loopback net = new Loopback(AdaptletServer.builder(SERVER).adaptlet(Priority.server()).limits(limits))) {
            ClientSession meter = open(net, net.channel(), METER);
            CompletableFuture<String> answer = new CompletableFuture<>();
            StreamObserver<String> upload = ClientCalls.asyncClientStreamingCall(
                    meter.channel().newCall(TestService.UPLOAD, CallOptions.DEFAULT), new StreamObserver<>() {
                        @Override
                        public void onNext(String value) {
                            answer.complete(value);
                        }

                        @Override
                        public void onError(Throwable t) {
                            answer.completeExceptionally(t);
                        }

                        @Override
                        public void onCompleted() {
                        }
                    });
            for (int i = 0; i < 12; i++) { // 4.8 s of stream: more than three idle limits
                upload.onNext("m:" + i);
                Thread.sleep(400);
            }
            upload.onCompleted();
            assertThat(answer.get(10, TimeUnit.SECONDS)).contains("12");
            assertThat(TestService.send(meter.channel(), "m1:after")).startsWith("ok");
            assertThat(net.server.outcomes().get(WovenServer.SESSION, "unknown"))
                    .as("the next call found its session").isZero();
            Thread.sleep(2_500); // and with nothing sent for longer than the limit, it goes
            assertThat(TestService.send(meter.channel(), "m1:later")).startsWith("ok"); // (renegotiated)
            assertThat(net.server.outcomes().get(WovenServer.SESSION, "unknown")).isEqualTo(1);
        }
    }
}
