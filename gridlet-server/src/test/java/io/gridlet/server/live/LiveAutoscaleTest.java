package io.gridlet.server.live;

import io.gridlet.client.MeterFleet;
import io.gridlet.flink.FlinkRun;
import io.gridlet.flink.elastic.Autoscaler;
import io.gridlet.flink.elastic.ElasticityController;
import io.gridlet.flink.operators.Boundary;
import io.gridlet.flink.sink.ResultHub;
import io.gridlet.log.local.LocalLog;
import io.gridlet.server.observe.JobMeters;
import io.gridlet.server.observe.ServiceMeters;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The live service scales itself: the elasticity controller runs over the live job (as gridlet serve runs it),
 * fed by the job's busy time and its lag behind the meters. Meters stream half the data (load: it scales out to
 * 2), go quiet (idle: back to 1), stream the rest and end the data: every reading is counted once and the files
 * are the core's on the same data, through both rescales. The controller's timing is made short and its busy
 * thresholds small (an idle job with checkpoints every 0.3 s is about 2 % busy), so that a test's load moves it;
 * the decisions are its own (none manual).
 */
class LiveAutoscaleTest {
    @TempDir
    Path dir;

    @Test
    void theServiceScalesOutUnderLoadAndBackInWhenIdleAndTheFilesStayExact() throws Exception {
        LiveFixture data = new LiveFixture(dir, 3, 7_200, 3);
        LocalLog log = new LocalLog(dir.resolve("log"), LocalLog.Fsync.NEVER);
        String hub = "autoscale-" + System.nanoTime();
        MeterRegistry metrics = new SimpleMeterRegistry();
        Path out = dir.resolve("out");
        LiveJob.Settings settings = new LiveJob.Settings(LiveFixture.CONFIG, 600, Duration.ofMillis(300), 1, 2,
                Boundary.PLAIN);
        ElasticityController.Settings controller = ElasticityController.Settings.defaults(1, 2, FlinkRun.MAX_PARALLELISM)
                .withThresholds(new ElasticityController.Thresholds(0.06, 0.1, 0.04, 0.5, 1.01))
                .withTiming(new ElasticityController.Timing(Duration.ZERO, Duration.ofSeconds(2),
                        Duration.ofSeconds(2), 60));
        List<Autoscaler.Change> changes = new CopyOnWriteArrayList<>();
        try (LiveJob job = LiveJob.start(log, settings, out, hub, true);
             Gateway gateway = Gateway.start(log, ResultHub.named(hub), new Gateway.Settings(data.gatewayPolicy,
                     data.identities, new InetSocketAddress("127.0.0.1", 0), metrics, () -> !job.isDone()))) {
            int port = gateway.port();
            JobMeters jobMeters = new JobMeters(new SimpleMeterRegistry(), () -> job.run().progress());
            job.autoscale(controller, ServiceMeters.lagSeconds(gateway::dataTime, jobMeters::gate), 610,
                    Duration.ofMillis(500), changes::add);
            int half = data.readings.size() / 2;
            try (MeterFleet fleet = new MeterFleet(3, data.identities, data.meterSettings(port), 0, e -> { })) {
                fleet.feed(data.readings.subList(0, half).iterator());
                await(job, "scaled out under load", () -> changes.stream().anyMatch(c -> c.to() == 2));
                // the meters are quiet: the job catches up, its stages go idle
                await(job, "scaled back in when idle",
                        () -> changes.stream().anyMatch(c -> c.from() == 2 && c.to() == 1));
                fleet.feed(data.readings.subList(half, data.readings.size()).iterator());
                fleet.finish(120_000);
                assertThat(fleet.counts().acknowledged()).isEqualTo(data.readings.size());
                assertThat(fleet.counts().rejected()).isZero();
            }
            data.endOfData(port);
            FlinkRun.Outcome outcome = job.await(Duration.ofSeconds(120));
            assertThat(outcome.counts().loads() + outcome.counts().works()).as("every reading once")
                    .isEqualTo(data.readings.size());
            data.assertFilesExpected(out);
            changes.forEach(c -> System.out.println("[autoscaler] " + c.from() + " -> " + c.to() + ": " + c.reason()));
            assertThat(changes).as("the controller's own decisions").noneMatch(Autoscaler.Change::manual);
            assertThat(changes.get(0).reason()).contains("scale out to 2");
        }
    }

    private static void await(LiveJob job, String what, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": not within 90 s; the controller's last word: "
                        + job.autoscaler().map(Autoscaler::status).orElse("none"));
            }
            Thread.sleep(100);
        }
    }
}
