package io.gridlet.adaptlets;

import com.google.common.util.concurrent.ListenableFuture;
import io.gridlet.adaptlets.builtin.HmacAuth;
import io.gridlet.adaptlets.builtin.Identities;
import io.gridlet.adaptlets.builtin.Priority;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.ServerCalls;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

import static io.gridlet.adaptlets.TestService.assertStatus;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Admission before work, on a real server: the serving queue is bounded, ranks come from verified session state
 * only, calls in flight are bounded per session and identity, and the workers survive whatever a handler throws.
 */
class AdmissionTest {
    static final byte[] SECRET = "meter-1-secret-0123456789".getBytes();
    static final String SERVER = """
            policy gateway {
              feature priority(level: 0..3);
              feature auth.hmac;
              priority and priority.level <= 2;
              optional auth.hmac;
            }
            """;
    static final String METER = """
            policy meter {
              feature priority(level: 0..3);
              feature auth.hmac;
              priority;
              auth.hmac;
              prefer high priority.level;
            }
            """;
    static final String ANONYMOUS = """
            policy anonymous {
              feature priority(level: 0..3);
              priority;
              prefer high priority.level;
            }
            """;
    static final String WOVEN = "test.Desk";
    static final String OPEN = "test.OpenDesk";

    /** A test header naming the caller, to see the order in which calls start. */
    static final Metadata.Key<String> CALLER = Metadata.Key.of("test-caller", Metadata.ASCII_STRING_MARSHALLER);

    /**
     * Methods to drive the workers with, served woven ({@value #WOVEN}) and without a session ({@value #OPEN}):
     * {@code Hold} keeps its worker until released, {@code Note} records its request, {@code Overflow} dies of a
     * StackOverflowError, {@code Interrupt} leaves its worker's interrupt flag set. Calls naming their caller
     * ({@link #CALLER}) are recorded as they start: a call's first task, which the serving order decides (the
     * handler of a unary call runs in a later task, once its message is delivered).
     */
    static final class Desk {
        final CountDownLatch holding = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final List<String> noted = new CopyOnWriteArrayList<>();
        final List<String> started = new CopyOnWriteArrayList<>();

        ServerServiceDefinition definition(String service) {
            return ServerInterceptors.intercept(methods(service), new ServerInterceptor() {
                @Override
                public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                                  ServerCallHandler<Q, R> next) {
                    if (headers.containsKey(CALLER)) started.add(headers.get(CALLER));
                    return next.startCall(call, headers);
                }
            });
        }

        private ServerServiceDefinition methods(String service) {
            return ServerServiceDefinition.builder(service)
                    .addMethod(method(service, "Hold"), unary(req -> {
                        holding.countDown();
                        try {
                            release.await(20, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        return "held " + req;
                    }))
                    .addMethod(method(service, "Note"), unary(req -> {
                        noted.add(req);
                        return "noted " + req;
                    }))
                    .addMethod(method(service, "Overflow"), unary(req -> Integer.toString(deeper(0))))
                    .addMethod(method(service, "Interrupt"), unary(req -> {
                        Thread.currentThread().interrupt();
                        return "interrupted";
                    }))
                    .build();
        }

        private static int deeper(int depth) {
            return deeper(depth + 1) + 1;
        }

        private static ServerCallHandler<String, String> unary(UnaryOperator<String> f) {
            return ServerCalls.asyncUnaryCall((req, out) -> {
                out.onNext(f.apply(req));
                out.onCompleted();
            });
        }
    }

    static MethodDescriptor<String, String> method(String service, String name) {
        return MethodDescriptor.<String, String>newBuilder().setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(service, name))
                .setRequestMarshaller(TestService.STRING).setResponseMarshaller(TestService.STRING).build();
    }

    static String call(Channel channel, String service, String name, String request) {
        return ClientCalls.blockingUnaryCall(channel, method(service, name),
                CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS), request);
    }

    static Channel as(String caller, Channel channel) {
        Metadata h = new Metadata();
        h.put(CALLER, caller);
        return ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(h));
    }

    static ListenableFuture<String> start(Channel channel, String service, String name, String request) {
        return ClientCalls.futureUnaryCall(channel.newCall(method(service, name),
                CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS)), request);
    }

    static AdaptletServer.Builder server(Desk desk, int workers) {
        return AdaptletServer.builder(SERVER).workers(workers)
                .adaptlet(Priority.server(), HmacAuth.server(new Identities().add("meter-1", SECRET, 2, "meter")))
                .service(desk.definition(WOVEN))
                .openService(desk.definition(OPEN));
    }

    static ClientSession meter(Loopback net) {
        return net.session(METER, Priority.client(), HmacAuth.client("meter-1", SECRET));
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > until) throw new AssertionError("timed out waiting until " + what);
            Thread.sleep(5);
        }
    }

    @Test
    void aForgedPriorityClaimIsServedAtTheLowestRankAndAVerifiedOneFirst() throws Exception {
        Desk desk = new Desk();
        try (Loopback net = new Loopback(server(desk, 1))) {
            ClientSession meter = meter(net);
            ClientSession anonymous = net.session(ANONYMOUS, Priority.client());
            assertThat(call(meter.channel(), WOVEN, "Note", "warm-up")).isEqualTo("noted warm-up"); // verifies 2
            assertThat(call(anonymous.channel(), WOVEN, "Note", "warm-up")).isEqualTo("noted warm-up");
            desk.noted.clear();
            ServingExecutor serving = net.server.serving();
            // a call's context is cancelled in its last callback: then nothing of the warm-up is left to queue
            ServerSessions.Session m = net.server.sessions().peek(meter.id());
            ServerSessions.Session a = net.server.sessions().peek(anonymous.id());
            await("the warm-up calls ended", () -> m.inFlight.get() == 0 && a.inFlight.get() == 0);

            Channel raw = net.channel();
            ListenableFuture<String> hold = start(raw, OPEN, "Hold", "the worker");
            assertThat(desk.holding.await(10, TimeUnit.SECONDS)).isTrue();
            // arriving in this order while the only worker is busy: no session at all but the highest class
            // claimed, a session no identity authenticated in claiming its class 2, a meter verified at class 2
            Metadata forged = new Metadata();
            Priority.LEVEL.into(forged, 3);
            ListenableFuture<String> noSession = start(as("forged", ClientInterceptors.intercept(raw,
                    MetadataUtils.newAttachHeadersInterceptor(forged))), OPEN, "Note", "forged");
            await("the forged call waits", () -> serving.queueLength() == 1);
            ListenableFuture<String> unverified = start(as("anonymous", anonymous.channel()), WOVEN, "Note",
                    "anonymous");
            await("the anonymous call waits", () -> serving.queueLength() == 2);
            ListenableFuture<String> verified = start(as("meter", meter.channel()), WOVEN, "Note", "meter");
            await("the meter's call waits", () -> serving.queueLength() == 3);

            desk.release.countDown();
            assertThat(hold.get(20, TimeUnit.SECONDS)).isEqualTo("held the worker");
            assertThat(verified.get(20, TimeUnit.SECONDS)).isEqualTo("noted meter");
            assertThat(noSession.get(20, TimeUnit.SECONDS)).isEqualTo("noted forged");
            assertThat(unverified.get(20, TimeUnit.SECONDS)).isEqualTo("noted anonymous");
            // the verified meter first; of the lowest rank, a session's call before a call without a session
            assertThat(desk.started).containsExactly("meter", "anonymous", "forged");
        }
    }

    @Test
    void aNewCallFindingTheServingQueueFullIsAnsweredResourceExhaustedNamingTheLimit() throws Exception {
        Desk desk = new Desk();
        try (Loopback net = new Loopback(server(desk, 1)
                .limits(AdmissionLimits.DEFAULTS.toBuilder().queuedCalls(4).build()))) {
            ClientSession meter = meter(net);
            assertThat(call(meter.channel(), WOVEN, "Note", "warm-up")).isEqualTo("noted warm-up"); // verified now
            desk.noted.clear();
            Channel raw = net.channel();
            ListenableFuture<String> hold = start(raw, OPEN, "Hold", "the worker");
            assertThat(desk.holding.await(10, TimeUnit.SECONDS)).isTrue();
            ListenableFuture<String> first = start(raw, OPEN, "Note", "first");
            await("a call waits", () -> net.server.serving().queueLength() == 1);
            ListenableFuture<String> second = start(raw, OPEN, "Note", "second");
            await("two calls wait", () -> net.server.serving().queueLength() == 2);

            // unverified calls may fill half the queue; the rest is kept for verified callers
            assertThatThrownBy(() -> call(raw, OPEN, "Note", "third"))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertStatus(e,
                            Status.Code.RESOURCE_EXHAUSTED, "over the limit queued-calls: half the serving queue "
                                    + "holds unverified calls; retry after"));
            ListenableFuture<String> m1 = start(meter.channel(), WOVEN, "Note", "m1");
            ListenableFuture<String> m2 = start(meter.channel(), WOVEN, "Note", "m2");
            await("four calls wait", () -> net.server.serving().queueLength() == 4);
            assertThatThrownBy(() -> call(meter.channel(), WOVEN, "Note", "m3"))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertStatus(e, Status.Code.RESOURCE_EXHAUSTED,
                                "over the limit queued-calls: 4 calls wait for a worker; retry after");
                        assertThat(e.getTrailers().get(OverLimit.LIMIT)).isEqualTo("queued-calls");
                        assertThat(e.getTrailers().get(OverLimit.RETRY_PUSHBACK_MS)).isEqualTo("1000");
                    });
            assertThat(net.server.outcomes().refusals(AdmissionLimits.Limit.QUEUED_CALLS)).isEqualTo(2);

            desk.release.countDown();
            assertThat(hold.get(20, TimeUnit.SECONDS)).isEqualTo("held the worker");
            for (ListenableFuture<String> f : List.of(first, second, m1, m2)) {
                assertThat(f.get(20, TimeUnit.SECONDS)).startsWith("noted ");
            }
            assertThat(desk.noted).containsExactlyInAnyOrder("first", "second", "m1", "m2");
        }
    }

    @Test
    void theWorkerSurvivesAHandlerThatOverflowsItsStackOrInterruptsItself() throws Exception {
        Desk desk = new Desk();
        try (Loopback net = new Loopback(server(desk, 1))) {
            assertThatThrownBy(() -> call(net.channel(), OPEN, "Overflow", "x"))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode())
                            .isEqualTo(Status.Code.UNKNOWN));
            assertThat(call(net.channel(), OPEN, "Note", "after the overflow")).isEqualTo("noted after the overflow");
            assertThat(call(net.channel(), OPEN, "Interrupt", "x")).isEqualTo("interrupted");
            assertThat(call(net.channel(), OPEN, "Note", "after the interrupt"))
                    .isEqualTo("noted after the interrupt");
            assertThat(net.server.serving().failures()).isEqualTo(1);
            assertThat(net.server.outcomes().get(ServingExecutor.SERVING, "task-error")).isEqualTo(1);
        }
    }

    @Test
    void callsInFlightAreBoundedPerSessionAndPerIdentity() throws Exception {
        Desk desk = new Desk();
        try (Loopback net = new Loopback(server(desk, 2)
                .limits(AdmissionLimits.DEFAULTS.toBuilder().callsInFlight(1, 1).build()))) {
            ClientSession a = meter(net);
            ClientSession b = meter(net);
            ClientSession other = net.session(ANONYMOUS, Priority.client());
            call(a.channel(), WOVEN, "Note", "a"); // both sessions are meter-1's from now on
            call(b.channel(), WOVEN, "Note", "b");
            ServerSessions.Session sessionA = net.server.sessions().peek(a.id());
            ServerSessions.Session sessionB = net.server.sessions().peek(b.id());
            await("the first calls ended", () -> sessionA.inFlight.get() == 0 && sessionB.inFlight.get() == 0);

            ListenableFuture<String> hold = start(a.channel(), WOVEN, "Hold", "a");
            assertThat(desk.holding.await(10, TimeUnit.SECONDS)).isTrue();
            assertThatThrownBy(() -> call(a.channel(), WOVEN, "Note", "a again"))
                    .satisfies(e -> assertStatus(e, Status.Code.RESOURCE_EXHAUSTED,
                            "over the limit calls-per-session: the session has 1 calls in flight"));
            assertThatThrownBy(() -> call(b.channel(), WOVEN, "Note", "b again"))
                    .satisfies(e -> assertStatus(e, Status.Code.RESOURCE_EXHAUSTED,
                            "over the limit calls-per-identity: meter-1 has 1 calls in flight"));
            assertThat(call(other.channel(), WOVEN, "Note", "other")).isEqualTo("noted other");

            desk.release.countDown();
            assertThat(hold.get(20, TimeUnit.SECONDS)).isEqualTo("held a");
            await("the hold ended", () -> sessionA.inFlight.get() == 0);
            assertThat(call(a.channel(), WOVEN, "Note", "a later")).isEqualTo("noted a later");
            assertThat(net.server.outcomes().refusals(AdmissionLimits.Limit.CALLS_PER_SESSION)).isEqualTo(1);
            assertThat(net.server.outcomes().refusals(AdmissionLimits.Limit.CALLS_PER_IDENTITY)).isEqualTo(1);
        }
    }

    @Test
    void opensAreNegotiatedOnTheirOwnThreadWhileEveryWorkerIsHeld() throws Exception {
        Desk desk = new Desk();
        try (Loopback net = new Loopback(server(desk, 1))) {
            ListenableFuture<String> hold = start(net.channel(), OPEN, "Hold", "the worker");
            assertThat(desk.holding.await(10, TimeUnit.SECONDS)).isTrue();
            ClientSession opened = meter(net); // compiles the meter's policy: not on the held worker
            assertThat(opened.configuration()).hasToString("auth.hmac, priority(level=2)");
            assertThat(hold.isDone()).isFalse();
            desk.release.countDown();
            assertThat(hold.get(20, TimeUnit.SECONDS)).isEqualTo("held the worker");
            assertThat(call(opened.channel(), WOVEN, "Note", "after")).isEqualTo("noted after");
        }
    }

    @Test
    void unverifiedCallsLeaveAWorkerFreeForVerifiedCallersWhileTheseAreAbout() throws Exception {
        Desk desk = new Desk();
        try (Loopback net = new Loopback(server(desk, 2))) {
            ClientSession meter = meter(net);
            ClientSession anonymous = net.session(ANONYMOUS, Priority.client());
            assertThat(call(meter.channel(), WOVEN, "Note", "warm-up")).isEqualTo("noted warm-up"); // verified now
            ListenableFuture<String> hold = start(anonymous.channel(), WOVEN, "Hold", "anonymous");
            assertThat(desk.holding.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(call(meter.channel(), WOVEN, "Note", "meter")).isEqualTo("noted meter");

            long queued = System.nanoTime();
            ListenableFuture<String> second = start(anonymous.channel(), WOVEN, "Note", "anonymous");
            Thread.sleep(200);
            assertThat(second.isDone()).isFalse(); // a worker is free, but kept for the meter
            assertThat(call(meter.channel(), WOVEN, "Note", "meter again")).isEqualTo("noted meter again");
            // once the meter has been quiet for a second, the free worker serves anyone again
            assertThat(second.get(20, TimeUnit.SECONDS)).isEqualTo("noted anonymous");
            assertThat(System.nanoTime() - queued).isGreaterThan(ServingExecutor.VERIFIED_RECENTLY_NANOS);
            assertThat(hold.isDone()).isFalse();
            desk.release.countDown();
            assertThat(hold.get(20, TimeUnit.SECONDS)).isEqualTo("held anonymous");
        }
    }

    @Test
    void theCallRateFallsOnlyOnceAFloodHasBeenGoneForTheRatesMemory() throws Exception {
        Desk desk = new Desk();
        try (Loopback net = new Loopback(server(desk, 2).refreshEvery(java.time.Duration.ofHours(1)))) {
            for (int i = 0; i < 50; i++) call(net.channel(), OPEN, "Note", "n" + i);
            net.server.refresh();
            double flood = net.server.inputs().get("callRate");
            assertThat(flood).isPositive();
            Thread.sleep(100);
            net.server.refresh(); // no call since the last sample
            assertThat(net.server.inputs().get("callRate")).isEqualTo(flood);
            Thread.sleep(AdaptletServer.CALL_RATE_MEMORY.toMillis() + 100);
            net.server.refresh();
            assertThat(net.server.inputs().get("callRate")).isZero();
        }
    }
}
