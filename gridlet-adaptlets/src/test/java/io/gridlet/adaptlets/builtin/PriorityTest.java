package io.gridlet.adaptlets.builtin;

import io.gridlet.adaptlets.AdaptletServer;
import io.gridlet.adaptlets.ClientSession;
import io.gridlet.adaptlets.Loopback;
import io.gridlet.adaptlets.Recorder;
import io.gridlet.adaptlets.ServerAdvice;
import io.gridlet.adaptlets.ServerScope;
import io.gridlet.adaptlets.ServerSessions;
import io.gridlet.adaptlets.ServingExecutor;
import io.gridlet.adaptlets.TestService;
import io.gridlet.adaptlets.TestSessions;
import io.gridlet.adaptlets.Verdict;
import io.grpc.CallOptions;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PriorityTest {
    static final String SERVER = """
            policy gateway {
              feature priority(level: 0..3);
              feature auth.hmac;
              priority and priority.level <= 2;
              optional auth.hmac;
            }
            """;
    static final String CLIENT = """
            policy c {
              feature priority(level: 0..3);
              priority;
              prefer high priority.level;
            }
            """;

    @Test
    void callsCarryTheirClassAndMayNotExceedTheSessionOrTheCaller() throws Exception {
        byte[] secret = "meter-1-secret-0123456789".getBytes();
        try (Loopback net = new Loopback(AdaptletServer.builder(SERVER).adaptlet(Priority.server(),
                HmacAuth.server(new Identities().add("meter-1", secret, 1, "meter"))))) {
            Recorder rec = new Recorder();
            ClientSession s = net.session(rec.wrap(net.channel()), CLIENT, Priority.client());
            assertThat(s.configuration().value("priority", "level")).isEqualTo(2);
            assertThat(TestService.send(s.channel(), "m:1")).isEqualTo("ok m:1 from anonymous at 2");
            assertThat(ClientCalls.blockingUnaryCall(s.channel(), TestService.SEND,
                    CallOptions.DEFAULT.withOption(Priority.CALL_LEVEL, 1), "m:2")).endsWith("at 1");
            Metadata above = new Metadata();
            above.merge(rec.last());
            Priority.LEVEL.into(above, 3);
            assertThatThrownBy(() -> Recorder.rawSend(net.channel(), above, "m:3"))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode())
                            .isEqualTo(Status.Code.PERMISSION_DENIED))
                    .hasMessageContaining("priority class 3 is above the session's 2");

            String signedClient = CLIENT.replace("priority;", "priority; feature auth.hmac; auth.hmac;");
            ClientSession meter = net.session(signedClient, Priority.client(), HmacAuth.client("meter-1", secret));
            assertThat(meter.weaver().order()).containsExactly("auth.hmac", "priority");
            assertThatThrownBy(() -> TestService.send(meter.channel(), "meter-1:1"))
                    .hasMessageContaining("priority class 2 is above meter-1's ceiling 1");
            assertThat(ClientCalls.blockingUnaryCall(meter.channel(), TestService.SEND,
                    CallOptions.DEFAULT.withOption(Priority.CALL_LEVEL, 1), "meter-1:2")).endsWith("meter-1 at 1");
            assertThat(net.server.outcomes().get("priority", "above-session")).isEqualTo(1);
            assertThat(net.server.outcomes().get("priority", "above-caller")).isEqualTo(1);
        }
    }

    @Test
    void theServingRankIsTheAskedClassUpToWhatAnAuthenticatedCallOfTheSessionWasAllowed() {
        Priority priority = Priority.server();
        ServerAdvice advice = priority.server(Map.of("level", 3));
        ServerSessions.Session session = TestSessions.session("session-1");
        assertThat(priority.rank(session, asking(3))).as("nothing verified yet").isZero();

        // an anonymous call may run at the session's class, but that verifies nothing about the caller
        assertThat(advice.onCall(TestSessions.scope(TestService.SEND, asking(3), session)).kind())
                .isEqualTo(Verdict.Kind.PROCEED);
        assertThat(priority.rank(session, asking(3))).isZero();

        ServerScope signed = TestSessions.scope(TestService.SEND, asking(2), session);
        signed.bind(Identity.CURRENT, new Identity("meter-1", Set.of("meter"), 2));
        assertThat(advice.onCall(signed).kind()).isEqualTo(Verdict.Kind.PROCEED);
        assertThat(priority.rank(session, asking(3))).as("capped by meter-1's ceiling").isEqualTo(200);
        assertThat(priority.rank(session, asking(1))).isEqualTo(100);
        assertThat(priority.rank(session, new Metadata())).isZero();
    }

    @Test
    void aSaturatedExecutorServesHigherRanksFirstAndEqualRanksInArrivalOrder() throws Exception {
        try (ServingExecutor serving = new ServingExecutor(1)) {
            CountDownLatch busy = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            serving.execute(() -> {
                busy.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertThat(busy.await(5, TimeUnit.SECONDS)).isTrue();
            List<String> served = new CopyOnWriteArrayList<>();
            CountDownLatch done = new CountDownLatch(6);
            // a class is worth Priority.RANK_PER_LEVEL, more than any puzzle work
            Object[][] calls = {{"low-a", 0}, {"work-12", 12}, {"class-1", 100}, {"low-b", 0},
                    {"class-1-work-20", 120}, {"work-30", 30}};
            for (Object[] c : calls) {
                serving.execute((Integer) c[1], () -> {
                    served.add((String) c[0]);
                    done.countDown();
                });
            }
            assertThat(serving.queueLength()).isEqualTo(6);
            release.countDown();
            assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(served).containsExactly("class-1-work-20", "class-1", "work-30", "work-12", "low-a", "low-b");
        }
    }

    static Metadata asking(int level) {
        Metadata h = new Metadata();
        Priority.LEVEL.into(h, level);
        return h;
    }
}
