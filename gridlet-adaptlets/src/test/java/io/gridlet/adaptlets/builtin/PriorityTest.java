package io.gridlet.adaptlets.builtin;

import io.gridlet.adaptlets.AdaptletServer;
import io.gridlet.adaptlets.ClientSession;
import io.gridlet.adaptlets.Loopback;
import io.gridlet.adaptlets.Recorder;
import io.gridlet.adaptlets.ServingExecutor;
import io.gridlet.adaptlets.TestService;
import io.grpc.CallOptions;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import org.junit.jupiter.api.Test;

import java.util.List;
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
    void aSaturatedServerServesHigherRanksFirstAndEqualRanksInArrivalOrder() throws Exception {
        Metadata.Key<String> rankKey = Metadata.Key.of("rank", Metadata.ASCII_STRING_MARSHALLER);
        try (ServingExecutor serving = new ServingExecutor(1, List.<ServingExecutor.ServingRank>of(Priority.server(),
                (session, h) -> h.containsKey(rankKey) ? Integer.parseInt(h.get(rankKey)) : 0))) {
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
            String[][] calls = {{"low-a", "0", null}, {"work-12", "0", "12"}, {"class-1", "1", null},
                    {"low-b", "0", null}, {"class-1-work-20", "1", "20"}, {"work-30", "0", "30"}};
            for (String[] c : calls) {
                Metadata h = new Metadata();
                Priority.LEVEL.into(h, Integer.parseInt(c[1]));
                if (c[2] != null) h.put(rankKey, c[2]);
                serving.getExecutor(null, h).execute(() -> {
                    served.add(c[0]);
                    done.countDown();
                });
            }
            assertThat(serving.queueLength()).isEqualTo(6);
            release.countDown();
            assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(served).containsExactly("class-1-work-20", "class-1", "work-30", "work-12", "low-a", "low-b");
        }
    }
}
