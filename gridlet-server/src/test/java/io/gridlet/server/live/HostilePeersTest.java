package io.gridlet.server.live;

import io.gridlet.adaptlets.AdmissionLimits;
import io.gridlet.adaptlets.SessionProtocol;
import io.gridlet.client.Meter;
import io.gridlet.client.MeterFleet;
import io.gridlet.core.wire.Ack;
import io.gridlet.core.wire.DataClock;
import io.gridlet.flink.FlinkRun;
import io.gridlet.flink.operators.Boundary;
import io.gridlet.flink.sink.ResultHub;
import io.gridlet.log.local.LocalLog;
import io.gridlet.policy.Negotiation;
import io.grpc.Attributes;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static io.gridlet.server.live.RawIngest.batch;
import static io.gridlet.server.live.RawIngest.reading;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The live service under attack: while a fleet of honest meters streams a generated data set, an authenticated
 * but hostile meter ({@code mallory}, who may report for house 900 only) sends what a hostile meter can send, and
 * an unauthenticated peer at another address offers a compile bomb and floods the gateway with Opens. Each
 * attack is refused with its reason or status and counted; the service stays SERVING; every honest reading is
 * acknowledged; and the result files equal those of an offline run over the honest readings alone.
 */
class HostilePeersTest {
    private static final long T0 = 1_377_986_401L;

    @TempDir
    Path dir;

    @Test
    void hostileReadingsAndBatchesFailAloneWhileHonestMetersLoseNothing() throws Exception {
        LiveFixture data = new LiveFixture(dir, 3, 1_800, 3).ownHouses(3);
        byte[] lateSecret = "latecomer-secret-0123456789".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        data.identities.add("latecomer", lateSecret, 2, java.util.Map.of("houses", "900"), "meter");
        LocalLog log = new LocalLog(dir.resolve("log"), LocalLog.Fsync.ALWAYS);
        String hub = "hostile-" + System.nanoTime();
        MeterRegistry metrics = new SimpleMeterRegistry();
        Path out = dir.resolve("out");
        // no lateness at all: data time is the watermark over meters, so honest meters need none
        DataClock.Limits clock = new DataClock.Limits(0, 3_600, 300, Duration.ofSeconds(30));
        LiveJob.Settings job = new LiveJob.Settings(LiveFixture.CONFIG, 0, Duration.ofMillis(300), 1, 2,
                Boundary.PLAIN);
        try (LiveJob live = LiveJob.start(log, job, out, hub, true);
             Gateway gateway = Gateway.start(log, ResultHub.named(hub), new Gateway.Settings(data.gatewayPolicy,
                     data.identities, new InetSocketAddress("127.0.0.1", 0), metrics, () -> !live.isDone())
                     .clock(clock))) {
            int port = gateway.port();
            live.job(Duration.ofSeconds(60));
            List<String> events = new CopyOnWriteArrayList<>();
            List<Long> pushed = new ArrayList<>(); // mallory's readings the gateway takes
            MeterFleet fleet = new MeterFleet(3, data.identities, data.meterSettings(port), 3_000, events::add);
            CompletableFuture<Void> honest = CompletableFuture.runAsync(() -> {
                try {
                    fleet.feed(data.readings.iterator());
                    fleet.finish(120_000);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (gateway.dataTime() == DataClock.NONE && System.nanoTime() < deadline) Thread.sleep(10);
            assertThat(gateway.dataTime()).as("data time once honest readings came").isNotEqualTo(DataClock.NONE);

            try (LiveFixture.Client mallory = data.client(port, LiveFixture.MALLORY, LiveFixture.MALLORY_SECRET)) {
                RawIngest stream = new RawIngest(mallory);
                long now = System.currentTimeMillis() / 1000;
                // the clock: the last second of 32-bit time, tomorrow, far in the past; and another meter's house
                stream.send(batch(LiveFixture.MALLORY, 1, reading(0xFFFF_FFFFL, 1_000, 1, 900),
                        reading(now + 86_400, 1_000, 1, 900), reading(T0 - 100_000, 1_000, 1, 900),
                        reading(T0 + 10, 1_000, 1, 0)));
                Ack refused = stream.ack();
                assertThat(refused.rejected()).extracting(r -> r.seq() + " " + r.reason().label()).containsExactly(
                        "1 too-far-ahead", "2 too-far-ahead", "3 late", "4 not-owned");
                assertThat(refused.rejected().get(1).message()).contains("after the service's clock");

                // as far ahead of data time as a reading may be, again and again (work readings of its own house:
                // taken, and in no query): data time stays with the honest meters
                long seq = 5;
                for (int i = 0; i < 20; i++, seq++) {
                    long before = gateway.dataTime();
                    long ts = Math.max(before + 3_600, pushed.isEmpty() ? 0 : pushed.get(pushed.size() - 1));
                    stream.send(batch(LiveFixture.MALLORY, seq, reading(ts, 1, 0, 900)));
                    pushed.add(ts);
                    assertThat(stream.ack().rejected()).isEmpty();
                    Thread.sleep(25); // past the clock's next advance
                    assertThat(gateway.dataTime()).as("data time after mallory's push")
                            .isLessThan(before + 1_800);
                }

                // a jump in the sequence numbers is counted and reported, its reading judged as any
                stream.send(batch(LiveFixture.MALLORY, 1_000, reading(0xFFFF_FFFFL, 1, 1, 900)));
                Ack gap = stream.ack();
                assertThat(gap.skipped()).isEqualTo(975);
                assertThat(gap.rejected()).hasSize(1);

                // a batch larger than one log entry: split, taken, and ingest goes on for everyone
                List<byte[]> opaque = new ArrayList<>();
                for (int i = 0; i < 1_050; i++) opaque.add(new byte[1_024]); // not sealed readings: the job refuses
                stream.send(RawIngest.sealedBatch(LiveFixture.MALLORY, 1_001, opaque));
                assertThat(stream.ack().lastSeq()).isEqualTo(2_050);

                // bytes that are no batch (a torn reading) end that stream alone
                stream.send(RawIngest.torn(LiveFixture.MALLORY, 2_051));
                assertThat(stream.error().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);

                // a message larger than a meter ever sends is not read at all, and unknown fields are bounded
                RawIngest big = new RawIngest(mallory);
                List<byte[]> huge = new ArrayList<>();
                for (int i = 0; i < 3_000; i++) huge.add(new byte[1_000]);
                big.send(RawIngest.sealedBatch(LiveFixture.MALLORY, 2_051, huge));
                assertThat(big.error().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
                RawIngest unknown = new RawIngest(mallory);
                unknown.send(RawIngest.unknownFields(LiveFixture.MALLORY, 2_051, 1_000));
                Status padded = unknown.error();
                assertThat(padded.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                assertThat(padded.getDescription()).contains("more than 64 unknown fields");

                // another meter's name
                RawIngest impostor = new RawIngest(mallory);
                impostor.send(batch("meter-0", 1, reading(T0, 1, 1, 0)));
                assertThat(impostor.error().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);

                assertThat(LiveServiceTest.health(port)).isEqualTo(ServingStatus.SERVING);
            }

            // from another address, before any authentication: a compile bomb, then a flood of distinct Opens
            ManagedChannel elsewhere = channelFrom("127.0.0.2", port);
            try {
                StringBuilder bomb = new StringBuilder("policy bomb { feature f; let a0 = (f)");
                for (int i = 1; i <= 40; i++) bomb.append(", a").append(i).append(" = (a").append(i - 1)
                        .append(" and a").append(i - 1).append(')');
                bomb.append(" in optional a40; }");
                SessionProtocol.Reply reply = ClientCalls.blockingUnaryCall(elsewhere, SessionProtocol.OPEN,
                        CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS),
                        new Negotiation.Offer(Negotiation.digest(bomb.toString()), bomb.toString()));
                assertThat(reply.answer()).isInstanceOfSatisfying(Negotiation.Refused.class,
                        r -> assertThat(r.reason()).isEqualTo(Negotiation.Reason.LIMIT));
                int refused = 0;
                for (int i = 0; i < 200; i++) {
                    String distinct = data.clientPolicy + "\n# offer " + i;
                    try {
                        ClientCalls.blockingUnaryCall(elsewhere, SessionProtocol.OPEN,
                                CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS),
                                new Negotiation.Offer(Negotiation.digest(distinct), distinct));
                    } catch (StatusRuntimeException e) {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
                        refused++;
                    }
                }
                assertThat(refused).as("Opens refused over the per-peer rate").isPositive();
            } finally {
                elsewhere.shutdownNow();
            }
            assertThat(gateway.server().outcomes().refusals(AdmissionLimits.Limit.OPENS_PER_PEER)).isPositive();

            honest.get(180, TimeUnit.SECONDS);
            assertThat(fleet.counts().acknowledged()).isEqualTo(data.readings.size());
            assertThat(fleet.counts().rejected()).as("honest readings refused: %s %s", events,
                    metrics.find("gridlet.ingest.readings").counters().stream()
                            .map(c -> c.getId().getTag("outcome") + "=" + c.count()).toList()).isZero();
            fleet.close();
            assertThat(LiveServiceTest.health(port)).isEqualTo(ServingStatus.SERVING);
            data.endOfData(port);
            // readings after the end of the data would be acknowledged and never read: refused
            try (LiveFixture.Client late = data.client(port, LiveFixture.MALLORY, LiveFixture.MALLORY_SECRET)) {
                RawIngest after = new RawIngest(late);
                after.send(batch(LiveFixture.MALLORY, 5_000, reading(T0 + 20, 1, 0, 900)));
                Status refusedAfterEnd = after.error();
                assertThat(refusedAfterEnd.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                assertThat(refusedAfterEnd.getDescription()).contains("the data has ended");
            }
            // and the meter library takes that as final: it stops instead of reconnecting for ever
            List<String> lateEvents = new CopyOnWriteArrayList<>();
            Meter late = new Meter("latecomer", lateSecret, data.meterSettings(port), lateEvents::add);
            try {
                late.offer(new io.gridlet.core.model.Measurement(1, T0 + 30, 1, io.gridlet.core.model.Property.WORK,
                        0, 0, 900));
                late.finish();
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> late.awaitAcknowledged(30_000))
                        .hasMessageContaining("the service's data has ended");
                assertThat(late.dataEnded()).isTrue();
            } finally {
                late.close();
            }
            assertThat(metrics.counter("gridlet.ingest.batches", "outcome", "after-end-of-data").count())
                    .isEqualTo(2);
            FlinkRun.Outcome outcome = live.await(Duration.ofSeconds(120));
            assertThat(outcome.counts().loads() + outcome.counts().works())
                    .as("readings the job took (rejected: %s %s)", outcome.counts().rejections().counts(),
                            outcome.counts().rejections().examples())
                    .isEqualTo(data.readings.size() + 20); // and mallory's 20 work readings, in no query
            // the files are the core's on every reading taken: the honest ones and mallory's, at the end of the data
            List<String> taken = new ArrayList<>();
            for (long ts : pushed) taken.add(ts + "," + ts + ",0.001,0,0,0,900");
            data.assertFilesExpected(out, taken);
        }
        assertThat(count(metrics, "gridlet.ingest.readings", "rejected-too-far-ahead")).isEqualTo(3);
        assertThat(count(metrics, "gridlet.ingest.readings", "rejected-late")).isEqualTo(1);
        assertThat(count(metrics, "gridlet.ingest.readings", "rejected-not-owned")).isEqualTo(1);
        assertThat(count(metrics, "gridlet.ingest.batches", "malformed")).isEqualTo(2); // torn, unknown fields
        assertThat(count(metrics, "gridlet.ingest.batches", "split")).isEqualTo(1);
        assertThat(metrics.counter("gridlet.ingest.sequence.skipped").count()).isEqualTo(975);
    }

    /** A channel to the gateway from another loopback address: another peer as far as quotas go. */
    private static ManagedChannel channelFrom(String localAddress, int port) {
        return NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext()
                .localSocketPicker(new NettyChannelBuilder.LocalSocketPicker() {
                    @Override
                    public InetSocketAddress createSocketAddress(SocketAddress remote, Attributes attrs) {
                        return new InetSocketAddress(localAddress, 0);
                    }
                }).build();
    }

    private static double count(MeterRegistry metrics, String name, String outcome) {
        return metrics.counter(name, "outcome", outcome).count();
    }
}
