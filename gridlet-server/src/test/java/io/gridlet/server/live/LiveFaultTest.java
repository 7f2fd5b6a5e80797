package io.gridlet.server.live;

import io.gridlet.client.Meter;
import io.gridlet.client.MeterFleet;
import io.gridlet.flink.FlinkRun;
import io.gridlet.flink.elastic.JobRest;
import io.gridlet.flink.operators.Boundary;
import io.gridlet.flink.sink.ResultHub;
import io.gridlet.log.local.LocalLog;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fault test of the live service: while a fleet streams a generated data set, the gateway is restarted
 * as after a crash (every meter's stream cut, acknowledgements in flight lost; the meters reconnect, ask where
 * to resume and resend), one meter is killed and
 * resumes, and the job is rescaled 1 -> 2 (restarting from its checkpoint, with its log position). In the end the
 * result files equal the core's on the sorted data, every reading was counted once, and the results handed to
 * subscribers are exactly the expected ones, none twice.
 */
class LiveFaultTest {
    @TempDir
    Path dir;

    @Test
    void gatewayRestartMeterKillAndRescaleLoseNothingAndCountNothingTwice() throws Exception {
        LiveFixture data = new LiveFixture(dir, 4, 2_400, 4);
        LocalLog log = new LocalLog(dir.resolve("log"), LocalLog.Fsync.ALWAYS);
        String hubName = "faults-" + System.nanoTime();
        ResultHub hub = ResultHub.named(hubName);
        ConcurrentLinkedQueue<String> handedOn = new ConcurrentLinkedQueue<>();
        Path out = dir.resolve("out");
        List<MeterRegistry> gatewayMetrics = new ArrayList<>();
        ExecutorService feeder = Executors.newSingleThreadExecutor();
        try (AutoCloseable listening = hub.listen(r -> handedOn.add(r.file() + " " + r.line()));
             LiveJob job = LiveJob.start(log, new LiveJob.Settings(LiveFixture.CONFIG, 600, Duration.ofMillis(300),
                     1, 2, Boundary.PLAIN), out, hubName, true)) {
            JobRest rest = new JobRest(job.rest(), job.job(Duration.ofSeconds(60)).getJobID().toHexString());
            Gateway gateway = startGateway(data, log, hub, 0, gatewayMetrics, () -> !job.isDone());
            int port = gateway.port();
            Meter.Settings settings = new Meter.Settings("127.0.0.1:" + port, data.clientPolicy, 200, 1_000, 20);
            try (MeterFleet fleet = new MeterFleet(4, data.identities, settings, 8_000, e -> { })) {
                Future<?> feeding = feeder.submit(() -> {
                    fleet.feed(data.readings.iterator());
                    return null;
                });
                long n = data.readings.size();
                await("a quarter fed", () -> fleet.produced() > n / 4);
                gateway.close(Duration.ZERO); // as in a crash: every stream cut, acknowledgements in flight lost
                gateway = startGateway(data, log, hub, port, gatewayMetrics, () -> !job.isDone());

                await("half fed", () -> fleet.produced() > n / 2);
                long before = fleet.meters().get(1).counts().reconnects();
                fleet.meters().get(1).kill();
                await("meter-1 back", () -> fleet.meters().get(1).counts().reconnects() > before);

                await("60 % fed", () -> fleet.produced() > n * 6 / 10);
                rest.rescale(2);
                await("the job at parallelism 2", () -> {
                    try {
                        return rest.job().runningAt(2);
                    } catch (java.io.IOException e) {
                        return false;
                    }
                });

                feeding.get();
                fleet.finish(120_000);
                Meter.Counts counts = fleet.counts();
                assertThat(counts.acknowledged()).isEqualTo(n);
                assertThat(counts.rejected()).isZero();
                assertThat(counts.reconnects()).isGreaterThanOrEqualTo(5); // 4 after the restart, meter-1 again
                data.endOfData(port);
                FlinkRun.Outcome outcome = job.await(Duration.ofSeconds(120));
                assertThat(outcome.counts().loads() + outcome.counts().works()).isEqualTo(n);
                assertThat(outcome.counts().rejections().total()).isZero();
            } finally {
                gateway.close();
            }
        } finally {
            feeder.shutdownNow();
        }
        data.assertFilesExpected(out);

        Map<String, List<String>> got = new HashMap<>();
        for (String r : handedOn) {
            int space = r.indexOf(' ');
            got.computeIfAbsent(r.substring(0, space), f -> new ArrayList<>()).add(r.substring(space + 1));
        }
        data.expectedLines().forEach((file, lines) -> assertThat(got.getOrDefault(file, List.of())).as(file)
                .containsExactlyInAnyOrderElementsOf(lines));
        double accepted = gatewayMetrics.stream().mapToDouble(m ->
                m.counter("gridlet.ingest.readings", "outcome", "accepted").count()).sum();
        assertThat(accepted).isEqualTo(data.readings.size());
        double duplicates = gatewayMetrics.stream().mapToDouble(m ->
                m.counter("gridlet.ingest.readings", "outcome", "duplicate").count()).sum();
        System.out.printf("live fault test: %.0f readings resent and dropped as duplicates by the gateway, %d results "
                + "produced again after the job's restart and dropped by the hub%n", duplicates, hub.repeated());
    }

    private static Gateway startGateway(LiveFixture data, LocalLog log, ResultHub hub, int port,
                                        List<MeterRegistry> metrics, BooleanSupplier jobRunning) throws Exception {
        MeterRegistry registry = new SimpleMeterRegistry();
        metrics.add(registry);
        return Gateway.start(log, hub, new Gateway.Settings(data.gatewayPolicy, data.identities,
                new InetSocketAddress("127.0.0.1", port), registry, jobRunning));
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(deadline);
            Thread.sleep(10);
        }
    }
}
