package io.gridlet.server.live;

import io.gridlet.client.LiveProtocol;
import io.gridlet.client.MeterFleet;
import io.gridlet.core.wire.Ack;
import io.gridlet.flink.FlinkRun;
import io.gridlet.flink.operators.Boundary;
import io.gridlet.flink.sink.ResultHub;
import io.gridlet.log.local.LocalLog;
import io.grpc.CallOptions;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static io.gridlet.server.live.RawIngest.bad;
import static io.gridlet.server.live.RawIngest.batch;
import static io.gridlet.server.live.RawIngest.good;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The live service end to end on loopback: a fleet of meters streams a generated data set through the gateway
 * (negotiated session: auth.hmac + authz + priority; the puzzle negotiated off at this load) into the local log,
 * the job runs continuously over the log, a subscriber receives the results as they come; at the end of data
 * the job's files equal the core's on the sorted data.
 */
class LiveServiceTest {
    @TempDir
    Path dir;

    private static LiveJob.Settings jobSettings() {
        return new LiveJob.Settings(LiveFixture.CONFIG, 600, Duration.ofMillis(300), 1, 2,
                Boundary.PLAIN);
    }

    /**
     * Also over a log of 2 partitions: each read by its own source and order gate, the gateway's clock entries
     * moving a partition whose meters are quiet.
     */
    @ParameterizedTest(name = "{0} log partitions")
    @ValueSource(ints = {1, 2})
    void aFleetStreamsThroughTheGatewayAndSubscribersGetExactlyTheResults(int partitions) throws Exception {
        LiveFixture data = new LiveFixture(dir, 3, 1_800, 3);
        LocalLog log = new LocalLog(dir.resolve("log"), LocalLog.Fsync.ALWAYS, LocalLog.DEFAULT_SEGMENT_BYTES,
                partitions);
        String hubName = "happy-" + System.nanoTime();
        MeterRegistry metrics = new SimpleMeterRegistry();
        Path out = dir.resolve("out");
        try (LiveJob job = LiveJob.start(log, jobSettings(), out, hubName, true);
             Gateway gateway = Gateway.start(log, ResultHub.named(hubName), new Gateway.Settings(data.gatewayPolicy,
                     data.identities, new InetSocketAddress("127.0.0.1", 0), metrics, () -> !job.isDone()))) {
            int port = gateway.port();
            job.job(Duration.ofSeconds(60));
            // a subscriber to everything, and one to house 1's Q1 results only
            BlockingQueue<LiveProtocol.Result> all = new LinkedBlockingQueue<>();
            BlockingQueue<LiveProtocol.Result> house1 = new LinkedBlockingQueue<>();
            try (LiveFixture.Client ana = data.client(port, "ana", LiveFixture.ANALYST_SECRET)) {
                subscribe(ana, new LiveProtocol.Subscription("", -1), all);
                subscribe(ana, new LiveProtocol.Subscription("q1", 1), house1);
                Thread.sleep(200); // the subscriptions are registered before the first result

                assertThat(health(port)).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
                try (MeterFleet fleet = new MeterFleet(3, data.identities, data.meterSettings(port), 20_000,
                        e -> { })) {
                    fleet.feed(data.readings.iterator());
                    fleet.finish(60_000);
                    assertThat(fleet.counts().acknowledged()).isEqualTo(data.readings.size());
                    assertThat(fleet.counts().rejected()).isZero();
                }
                data.endOfData(port);
                FlinkRun.Outcome outcome = job.await(Duration.ofSeconds(120));
                assertThat(outcome.counts().loads() + outcome.counts().works()).isEqualTo(data.readings.size());
                data.assertFilesExpected(out);

                Map<String, List<String>> expected = data.expectedLines();
                long total = expected.values().stream().mapToLong(List::size).sum();
                Map<String, List<String>> received = drain(all, total);
                for (var e : expected.entrySet()) {
                    assertThat(received.getOrDefault(e.getKey(), List.of())).as(e.getKey())
                            .containsExactlyInAnyOrderElementsOf(e.getValue());
                }
                List<String> house1Expected = new ArrayList<>();
                expected.forEach((file, lines) -> {
                    if (file.startsWith("q1-house")) {
                        lines.stream().filter(l -> l.split(",")[1].equals("1")).forEach(house1Expected::add);
                    } else if (file.startsWith("q1-plug")) {
                        lines.stream().filter(l -> l.split(",")[1].equals("1")).forEach(house1Expected::add);
                    }
                });
                List<String> got = new ArrayList<>();
                drain(house1, house1Expected.size()).values().forEach(got::addAll);
                assertThat(got).containsExactlyInAnyOrderElementsOf(house1Expected);
            }
        }
        assertThat(metrics.counter("gridlet.ingest.readings", "outcome", "accepted").count())
                .isEqualTo(data.readings.size());
        assertThat(metrics.counter("gridlet.ingest.readings", "outcome", "duplicate").count()).isZero();
    }

    @Test
    void badReadingsAreRefusedAloneCountedAndTheStreamGoesOn() throws Exception {
        LiveFixture data = new LiveFixture(dir, 1, 60, 1);
        LocalLog log = new LocalLog(dir.resolve("log"), LocalLog.Fsync.NEVER);
        MeterRegistry metrics = new SimpleMeterRegistry();
        try (Gateway gateway = Gateway.start(log, ResultHub.named("bad-" + System.nanoTime()),
                new Gateway.Settings(data.gatewayPolicy, data.identities, new InetSocketAddress("127.0.0.1", 0),
                        metrics, () -> true));
             LiveFixture.Client meter = data.client(gateway.port(), "meter-0",
                     data.identities.secret("meter-0"))) {
            RawIngest stream = new RawIngest(meter);
            stream.send(batch("meter-0", 1, good(1), bad(1, 2_000, 7), good(3), bad(-5, 2_000, 1),
                    bad(5_000_000_000L, 2_000, 1), bad(10, -3, 1)));
            Ack first = stream.ack();
            assertThat(first.lastSeq()).isEqualTo(6);
            assertThat(first.rejected()).extracting(r -> r.seq() + " " + r.reason().label()).containsExactly(
                    "2 bad-property", "4 bad-number", "5 bad-number", "6 negative-load");
            stream.send(batch("meter-0", 7, good(7), good(8)));  // the stream goes on
            assertThat(stream.ack().lastSeq()).isEqualTo(8);
            stream.send(batch("meter-0", 5, good(5), good(6), good(7), good(8), good(9))); // a resend: 4 known
            assertThat(stream.ack()).isEqualTo(new Ack(9, List.of()));
            stream.send(RawIngest.torn("meter-0", 10)); // malformed (a torn reading): the stream ends, counted
            assertThat(stream.error()).extracting(Status::getCode).isEqualTo(Status.Code.INVALID_ARGUMENT);

            RawIngest other = new RawIngest(meter); // a meter may not send another meter's readings
            other.send(batch("meter-9", 1, good(1)));
            assertThat(other.error()).extracting(Status::getCode).isEqualTo(Status.Code.PERMISSION_DENIED);

            RawIngest resume = new RawIngest(meter); // where to resume: after the last held
            resume.send(batch("meter-0", 10));
            assertThat(resume.ack()).isEqualTo(new Ack(9, List.of()));
        }
        assertThat(metrics.counter("gridlet.ingest.readings", "outcome", "accepted").count()).isEqualTo(5);
        assertThat(metrics.counter("gridlet.ingest.readings", "outcome", "duplicate").count()).isEqualTo(4);
        assertThat(metrics.counter("gridlet.ingest.readings", "outcome", "rejected-bad-number").count())
                .isEqualTo(2);
        assertThat(metrics.counter("gridlet.ingest.batches", "outcome", "malformed").count()).isEqualTo(1);
        try (var writer = log.openWriter()) {
            assertThat(writer.lastSequences()).containsExactly(Map.entry("meter-0", 9L));
        }
    }

    private static void subscribe(LiveFixture.Client client, LiveProtocol.Subscription filter,
                                  BlockingQueue<LiveProtocol.Result> into) {
        ClientCalls.asyncServerStreamingCall(client.session().channel().newCall(LiveProtocol.SUBSCRIBE,
                CallOptions.DEFAULT), filter.encode(), new StreamObserver<>() {
            @Override
            public void onNext(byte[] value) {
                into.add(LiveProtocol.Result.decode(value));
            }

            @Override
            public void onError(Throwable t) {
                into.add(new LiveProtocol.Result("!ended", filter + ": " + Status.fromThrowable(t)));
            }

            @Override
            public void onCompleted() {
            }
        });
    }

    /** {@code n} results from the queue (waiting up to 30 s for each), by file; then checks nothing more came. */
    static Map<String, List<String>> drain(BlockingQueue<LiveProtocol.Result> queue, long n) throws Exception {
        Map<String, List<String>> byFile = new HashMap<>();
        for (long i = 0; i < n; i++) {
            LiveProtocol.Result r = queue.poll(30, TimeUnit.SECONDS);
            assertThat(r).as("result " + (i + 1) + " of " + n).isNotNull();
            assertThat(r.file()).as("the subscription ended early: " + r.line()).isNotEqualTo("!ended");
            byFile.computeIfAbsent(r.file(), f -> new ArrayList<>()).add(r.line());
        }
        assertThat(queue.poll(300, TimeUnit.MILLISECONDS)).as("a result more than expected").isNull();
        return byFile;
    }

    static HealthCheckResponse.ServingStatus health(int port) {
        var channel = NettyChannelBuilder.forAddress("127.0.0.1", port)
                .usePlaintext().build();
        try {
            return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                    .check(HealthCheckRequest.newBuilder().setService(LiveProtocol.INGEST).build()).getStatus();
        } finally {
            channel.shutdownNow();
        }
    }
}
