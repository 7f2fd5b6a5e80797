package io.gridlet.adaptlets;

import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The weaving itself, on a real gRPC server and client on loopback, with adaptlets made for the test. */
class WeavingTest {
    /** Records where its halves ran; with {@code knock}, the server challenges every call once. */
    static class Probe implements Adaptlet {
        static final DataSlot<byte[]> TOKEN = DataSlot.call("probe-token");
        static final DataSlot<byte[]> ANSWER = DataSlot.call("probe-answer");
        final String name;
        final Set<String> before;
        final Set<String> after;
        final Pointcut pointcut;
        final List<String> log;
        final boolean knock;
        final AtomicInteger issued = new AtomicInteger();
        volatile java.util.concurrent.CountDownLatch gate; // when set, the server waits for it before challenging

        Probe(String name, Set<String> before, Set<String> after, List<String> log, boolean knock, Pointcut pc) {
            this.name = name;
            this.before = before;
            this.after = after;
            this.log = log;
            this.knock = knock;
            this.pointcut = pc;
        }

        static Probe plain(String name, List<String> log) {
            return new Probe(name, Set.of(), Set.of(), log, false, Pointcut.ALL);
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Pointcut pointcut() {
            return pointcut;
        }

        @Override
        public Set<String> before() {
            return before;
        }

        @Override
        public Set<String> after() {
            return after;
        }

        @Override
        public ClientAdvice client(Map<String, Object> params) {
            return new ClientAdvice() {
                @Override
                public void beforeCall(ClientScope call) {
                    log.add("client " + name);
                }

                @Override
                public boolean answer(ClientScope call) {
                    byte[] token = call.get(TOKEN);
                    call.put(ANSWER, reverse(token));
                    return true;
                }
            };
        }

        @Override
        public ServerAdvice server(Map<String, Object> params) {
            return call -> {
                log.add("server " + name);
                if (!knock) return Verdict.PROCEED;
                byte[] answer = call.get(ANSWER);
                byte[] expected = call.session().get(EXPECTED);
                if (answer != null && expected != null && java.util.Arrays.equals(answer, expected)) {
                    call.session().put(EXPECTED, null);
                    return Verdict.PROCEED;
                }
                if (gate != null) {
                    try {
                        gate.await(10, java.util.concurrent.TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                byte[] token = ("t" + issued.incrementAndGet()).getBytes(StandardCharsets.UTF_8);
                call.session().put(EXPECTED, reverse(token));
                call.put(TOKEN, token);
                return Verdict.challenge(Status.UNAUTHENTICATED.withDescription("knock first"), "challenged");
            };
        }

        static final DataSlot<byte[]> EXPECTED = DataSlot.session("probe-expected");

        static byte[] reverse(byte[] b) {
            byte[] r = new byte[b.length];
            for (int i = 0; i < b.length; i++) r[i] = b[b.length - 1 - i];
            return r;
        }
    }

    static String policy(String... features) {
        StringBuilder sb = new StringBuilder("policy p {\n");
        for (String f : features) sb.append("  feature ").append(f).append(";\n  ").append(f).append(";\n");
        return sb.append("}\n").toString();
    }

    @Test
    void orderFollowsTheConstraintsNotTheRegistrationOrder() {
        List<String> log = new CopyOnWriteArrayList<>();
        Probe a = new Probe("a", Set.of(), Set.of("c"), log, false, Pointcut.ALL);  // a after c
        Probe b = new Probe("b", Set.of("a"), Set.of(), log, false, Pointcut.ALL);  // b before a
        Probe c = Probe.plain("c", log);
        Probe d = Probe.plain("d", log);
        List<List<Adaptlet>> registrations = List.of(List.of(a, b, c, d), List.of(d, c, b, a), List.of(c, a, d, b));
        for (List<Adaptlet> r : registrations) {
            // b and c are unordered relative to each other: names decide (b first); d is free: after a by name
            assertThat(new Weaver(r).order()).containsExactly("b", "c", "a", "d");
        }
        assertThat(new Weaver(List.of(a, d)).order()).as("a constraint on an absent adaptlet is ignored")
                .containsExactly("a", "d");
    }

    @Test
    void aCycleIsAnErrorAtStartUpNamingTheAdaptletsOnIt() {
        List<String> log = new CopyOnWriteArrayList<>();
        Probe x = new Probe("x", Set.of("y"), Set.of(), log, false, Pointcut.ALL);
        Probe y = new Probe("y", Set.of("z"), Set.of(), log, false, Pointcut.ALL);
        Probe z = new Probe("z", Set.of("w"), Set.of(), log, false, Pointcut.ALL);
        Probe w = new Probe("w", Set.of(), Set.of("z"), log, false, Pointcut.ALL);
        Probe back = new Probe("v", Set.of("y"), Set.of("w"), log, false, Pointcut.ALL); // w -> v -> y
        Probe free = new Probe("after-cycle", Set.of(), Set.of("z"), log, false, Pointcut.ALL);
        assertThatThrownBy(() -> new Weaver(List.of(x, y, z, w, back, free)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cycle").hasMessageContaining("v -> y -> z -> w -> v");
        assertThatThrownBy(() -> new Weaver(List.of(Probe.plain("x", log), Probe.plain("x", log))))
                .hasMessageContaining("two adaptlets named x");
        assertThatThrownBy(() -> AdaptletServer.builder(policy("x", "y")).adaptlet(Probe.plain("x", log)).start())
                .hasMessageContaining("declares [y], which no adaptlet on this side implements");
    }

    @Test
    void bothHalvesRunInTheDeclaredOrderOnEveryCallKind() throws Exception {
        List<String> serverLog = new CopyOnWriteArrayList<>();
        List<String> clientLog = new CopyOnWriteArrayList<>();
        try (Loopback net = new Loopback(AdaptletServer.builder(policy("first", "second"))
                .adaptlet(new Probe("second", Set.of(), Set.of("first"), serverLog, false, Pointcut.ALL),
                        Probe.plain("first", serverLog)))) {
            ClientSession s = net.session(policy("first", "second"),
                    Probe.plain("first", clientLog),
                    new Probe("second", Set.of(), Set.of("first"), clientLog, false, Pointcut.ALL));
            assertThat(TestService.send(s.channel(), "m1:5")).isEqualTo("ok m1:5 from anonymous");
            assertThat(TestService.repeat(s.channel(), 3)).containsExactly("item 0", "item 1", "item 2");
            assertThat(TestService.upload(s.channel(), 10)).isEqualTo("received 10");
            assertThat(serverLog).containsExactly("server first", "server second", "server first", "server second",
                    "server first", "server second");
            assertThat(clientLog).isEqualTo(serverLog.stream().map(l -> l.replace("server", "client")).toList());
            assertThat(net.server.outcomes().get("second", "accepted")).isEqualTo(3);
        }
    }

    @Test
    void aChallengeIsAnsweredAndTheCallRetriedWithoutTheApplicationSeeingIt() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        Probe server = new Probe("knock", Set.of(), Set.of(), log, true, Pointcut.ALL);
        try (Loopback net = new Loopback(AdaptletServer.builder(policy("knock")).adaptlet(server))) {
            ClientSession s = net.session(policy("knock"), Probe.plain("knock", new CopyOnWriteArrayList<>()));
            assertThat(TestService.send(s.channel(), "m1:1")).isEqualTo("ok m1:1 from anonymous");
            assertThat(TestService.repeat(s.channel(), 2)).containsExactly("item 0", "item 1");
            assertThat(TestService.upload(s.channel(), 5)).isEqualTo("received 5");
            assertThat(TestService.upload(s.channel(), ClientSession.MAX_REPLAYED_MESSAGES))
                    .isEqualTo("received " + ClientSession.MAX_REPLAYED_MESSAGES);
            assertThat(server.issued).hasValue(4);
            assertThat(net.server.outcomes().get("knock", "challenged")).isEqualTo(4);
            assertThat(net.server.outcomes().get("knock", "accepted")).isEqualTo(4);

            // a client whose advice does not answer: the call fails with the server's status, once per attempt
            ClientSession mute = net.session(policy("knock"), new Probe("knock", Set.of(), Set.of(), log, false,
                    Pointcut.ALL) {
                @Override
                public ClientAdvice client(Map<String, Object> params) {
                    return new ClientAdvice() {
                    };
                }
            });
            assertThatThrownBy(() -> TestService.send(mute.channel(), "m1:2"))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
                        assertThat(e.getStatus().getDescription()).contains("knock first")
                                .contains("did not answer the challenge");
                    });
        }
    }

    @Test
    void aStreamLongerThanTheKeptPrefixIsNotReplayedAndSaysSo() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        Probe server = new Probe("knock", Set.of(), Set.of(), log, true, Pointcut.ALL);
        try (Loopback net = new Loopback(AdaptletServer.builder(policy("knock")).adaptlet(server))) {
            ClientSession s = net.session(policy("knock"), Probe.plain("knock", new CopyOnWriteArrayList<>()));
            // the server answers only after the client sent more than the kept prefix
            server.gate = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CompletableFuture<String> result =
                    TestService.uploadAsync(s.channel(), ClientSession.MAX_REPLAYED_MESSAGES + 1);
            server.gate.countDown();
            assertThatThrownBy(() -> result.get(20, java.util.concurrent.TimeUnit.SECONDS))
                    .hasRootCauseInstanceOf(StatusRuntimeException.class)
                    .rootCause().hasMessageContaining("not retried: the stream sent more than 64 messages");
        }
    }

    @Test
    void callsOutsideASessionOrWithAnotherAdaptletSetAreRefusedAndCounted() throws Exception {
        List<String> log = new CopyOnWriteArrayList<>();
        try (Loopback net = new Loopback(AdaptletServer.builder(policy("x"))
                .adaptlet(new Probe("x", Set.of(), Set.of(), log, false, Pointcut.methods("test.Meter/Send"))))) {
            // no session at all
            assertThatThrownBy(() -> TestService.send(net.channel(), "m1:1"))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode())
                            .isEqualTo(Status.Code.FAILED_PRECONDITION))
                    .hasMessageContaining("no session");
            // the client binds x to every method, the server only to Send: Repeat is refused, never downgraded
            ClientSession s = net.session(policy("x"), Probe.plain("x", log));
            assertThat(TestService.send(s.channel(), "m1:1")).startsWith("ok");
            assertThatThrownBy(() -> TestService.repeat(s.channel(), 1))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode())
                            .isEqualTo(Status.Code.FAILED_PRECONDITION))
                    .hasMessageContaining("adaptlet set mismatch on test.Meter/Repeat: the call ran [x], "
                            + "the session runs []");
            // a call claiming the session but another configuration
            Metadata forged = new Metadata();
            forged.put(Headers.SESSION, s.id());
            forged.put(Headers.CONFIG, "0000000000000000");
            ClientCall<String, String> raw = io.grpc.ClientInterceptors.intercept(net.channel(),
                    io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(forged))
                    .newCall(TestService.SEND, io.grpc.CallOptions.DEFAULT);
            assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(raw, "m1:1"))
                    .hasMessageContaining("the session's configuration is now x");
            // an unknown session id
            Metadata unknown = new Metadata();
            unknown.put(Headers.SESSION, "feedfeedfeedfeed");
            ClientCall<String, String> raw2 = io.grpc.ClientInterceptors.intercept(net.channel(),
                    io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(unknown))
                    .newCall(TestService.SEND, io.grpc.CallOptions.DEFAULT);
            assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(raw2, "m1:1"))
                    .hasMessageContaining("unknown or expired session");
            DecisionCounts o = net.server.outcomes();
            assertThat(o.get("session", "missing")).isEqualTo(1);
            assertThat(o.get("session", "adaptlet-mismatch")).isEqualTo(1);
            assertThat(o.get("session", "stale-configuration")).isEqualTo(1);
            assertThat(o.get("session", "unknown")).isEqualTo(1);
        }
    }
}
