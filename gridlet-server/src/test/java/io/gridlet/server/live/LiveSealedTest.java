package io.gridlet.server.live;

import io.gridlet.client.LiveProtocol;
import io.gridlet.client.Meter;
import io.gridlet.client.MeterFleet;
import io.gridlet.core.model.HouseSet;
import io.gridlet.core.model.Measurement;
import io.gridlet.core.model.Property;
import io.gridlet.enclave.keys.KeyDirectory;
import io.gridlet.enclave.sealing.MeterIdentity;
import io.gridlet.enclave.keys.TrustedKeys;
import io.gridlet.flink.FlinkRun;
import io.gridlet.flink.GridletJob;
import io.gridlet.flink.operators.Boundary;
import io.gridlet.flink.sink.ResultHub;
import io.gridlet.flink.sink.ResultMerge;
import io.gridlet.flink.sink.ResultParts;
import io.gridlet.log.LogRecord;
import io.gridlet.log.local.LocalLog;
import io.grpc.CallOptions;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiFunction;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The live service end to end with sealed data: meters seal every reading under the owner's key, the gateway and
 * the log carry them sealed (deduplicated by sequence number all the same), the job opens them only inside its
 * boundary (keys released through the broker to the software runtime), subscribers receive results sealed for
 * the owner, and the run's result files are sealed; opened by the owner, all equal the core's on the sorted data.
 */
class LiveSealedTest {
    static final String KEYS = "live-sealed-test";

    @TempDir
    Path dir;

    @AfterEach
    void forget() {
        TrustedKeys.unregister(KEYS);
    }

    @Test
    void sealedFromTheMeterToTheResult() throws Exception {
        LiveFixture data = new LiveFixture(dir, 2, 1_200, 2);
        final long last = data.readings.get(data.readings.size() - 1).timestamp();
        KeyDirectory owner = KeyDirectory.create(dir.resolve("keys"), GridletJob.OPERATOR_CODE);
        owner.release(KEYS, GridletJob.OPERATOR_CODE);
        Boundary sealed = Boundary.sealed(KEYS, KEYS);
        LocalLog log = new LocalLog(dir.resolve("log"), LocalLog.Fsync.ALWAYS);
        String hub = "sealed-" + System.nanoTime();
        Path out = dir.resolve("out");
        BiFunction<String, String, String> opener = ResultParts.opener(owner.results(), "", new LongAdder());
        BlockingQueue<LiveProtocol.Result> received = new LinkedBlockingQueue<>();
        try (LiveJob job = LiveJob.start(log, new LiveJob.Settings(LiveFixture.CONFIG, 600, Duration.ofMillis(300),
                1, 2, sealed), out, hub, true);
             Gateway gateway = Gateway.start(log, ResultHub.named(hub), new Gateway.Settings(data.gatewayPolicy,
                     data.identities, new InetSocketAddress("127.0.0.1", 0), new SimpleMeterRegistry(),
                     () -> !job.isDone()).boundary(sealed))) {
            job.job(Duration.ofSeconds(60));
            try (LiveFixture.Client ana = data.client(gateway.port(), "ana", LiveFixture.ANALYST_SECRET)) {
                ClientCalls.asyncServerStreamingCall(ana.session().channel().newCall(LiveProtocol.SUBSCRIBE,
                        CallOptions.DEFAULT), new LiveProtocol.Subscription("", -1).encode(), new StreamObserver<>() {
                            @Override
                            public void onNext(byte[] value) {
                                received.add(LiveProtocol.Result.decode(value));
                            }

                            @Override
                            public void onError(Throwable t) {
                            }

                            @Override
                            public void onCompleted() {
                            }
                        });
                Thread.sleep(200);
                // each meter seals with keys of its own (as gridlet keys meter NAME makes them): they open nothing
                Meter.Settings settings = data.meterSettings(gateway.port())
                        .sealing(name -> owner.meterKeyFile(new MeterIdentity(name, HouseSet.ALL)).sealer());
                try (MeterFleet fleet = new MeterFleet(2, data.identities, settings, 10_000, e -> { })) {
                    fleet.feed(data.readings.iterator());
                    fleet.finish(60_000);
                }
                // what a meter cannot do to a sealed service: send plain readings, send a reading another meter
                // sealed, or have a reading it sent counted twice (the gateway cannot tell; the boundary can)
                try (LiveFixture.Client m0 = data.client(gateway.port(), "meter-0",
                        data.identities.secret("meter-0"))) {
                    RawIngest plain = new RawIngest(m0);
                    plain.send(RawIngest.batch("meter-0", 1_000_000, RawIngest.reading(last, 1, 0, 0)));
                    assertThat(plain.error().getCode()).isEqualTo(io.grpc.Status.Code.FAILED_PRECONDITION);
                    byte[] work = owner.meterKeyFile(new MeterIdentity("meter-0", HouseSet.ALL)).sealer()
                            .seal(new Measurement(999_999, last, 1, Property.WORK, 0, 0, 0)).toBytes();
                    byte[] others = owner.meterKeyFile(new MeterIdentity("meter-1", HouseSet.ALL)).sealer()
                            .seal(new Measurement(999_998, last, 1, Property.WORK, 0, 0, 1)).toBytes();
                    RawIngest stream = new RawIngest(m0);
                    stream.send(RawIngest.sealedBatch("meter-0", 1_000_000, List.of(work, others)));
                    assertThat(stream.ack().rejected()).extracting(r -> r.seq() + " " + r.reason().label())
                            .containsExactly("1000001 not-owned");
                    stream.send(RawIngest.sealedBatch("meter-0", 1_000_002, List.of(work))); // the same again
                    assertThat(stream.ack().rejected()).isEmpty();
                    // readings sealed as one block: the service takes them one by one (to acknowledge, deduplicate
                    // and refuse each), so a block of more is refused whole, before it reaches the log
                    byte[] block = owner.meterKeyFile(new MeterIdentity("meter-0", HouseSet.ALL)).sealer()
                            .seal(List.of(new Measurement(999_997, last, 1, Property.WORK, 0, 0, 0),
                                    new Measurement(999_996, last, 1, Property.WORK, 0, 0, 0))).toBytes();
                    stream.send(RawIngest.sealedBatch("meter-0", 1_000_003, List.of(block)));
                    assertThat(stream.ack().rejected()).extracting(r -> r.seq() + " " + r.reason().label())
                            .containsExactly("1000003 unopenable");
                }
                data.endOfData(gateway.port());
                FlinkRun.Outcome outcome = job.await(Duration.ofSeconds(120));
                assertThat(outcome.counts().loads() + outcome.counts().works()).isEqualTo(data.readings.size() + 1);
                assertThat(outcome.counts().rejections().counts()).containsOnly(
                        Map.entry(io.gridlet.core.csv.RejectReason.REPLAYED, 1L));

                Map<String, List<String>> expected = data.expectedLines();
                long total = expected.values().stream().mapToLong(List::size).sum();
                Map<String, List<String>> got = new HashMap<>();
                for (long i = 0; i < total; i++) {
                    LiveProtocol.Result r = received.poll(30, TimeUnit.SECONDS);
                    assertThat(r).as("result %d of %d", i + 1, total).isNotNull();
                    assertThat(r.line()).matches("[A-Za-z0-9+/=]+"); // sealed on the wire
                    got.computeIfAbsent(r.file(), f -> new ArrayList<>())
                            .add(ResultParts.lineOf(opener.apply(r.file(), r.line())));
                }
                expected.forEach((file, lines) -> assertThat(got.getOrDefault(file, List.of())).as(file)
                        .containsExactlyInAnyOrderElementsOf(lines));
            }
        }
        assertThat(out.resolve("q1-plug-60.csv")).doesNotExist();
        Path sealedResults = out.resolve(FlinkRun.SEALED_RESULTS);
        String run = ResultMerge.runOf(sealedResults);
        assertThat(ResultParts.verify(sealedResults, owner.results(), run)).isEmpty();
        ResultMerge.merge(sealedResults, out, io.gridlet.core.result.ResultLines.headers(LiveFixture.CONFIG),
                ResultParts.opener(owner.results(), run, new LongAdder()));
        data.assertFilesExpected(out);

        // the log holds no reading as the plain log writes it (timestamp then value); the scan sees a plain one
        Map<Long, Set<Long>> readings = new HashMap<>();
        for (Measurement m : data.readings) {
            readings.computeIfAbsent(m.timestamp(), t -> new HashSet<>()).add(m.milliValue());
        }
        try (var segments = Files.list(dir.resolve("log"))) {
            for (Path segment : segments.toList()) {
                assertThat(findPlain(Files.readAllBytes(segment), readings)).as(segment.toString()).isEqualTo(-1);
            }
        }
        byte[] control = new LogRecord("m", 1, List.of(data.readings.get(5))).encode();
        assertThat(findPlain(control, readings)).isNotEqualTo(-1);
    }

    private static int findPlain(byte[] bytes, Map<Long, Set<Long>> readings) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        for (int i = 0; i + 16 <= bytes.length; i++) {
            Set<Long> values = readings.get(b.getLong(i));
            if (values != null && values.contains(b.getLong(i + 8))) return i;
        }
        return -1;
    }
}
