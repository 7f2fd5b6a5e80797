package io.gridlet.server.live;

import io.gridlet.core.wire.Ack;
import io.gridlet.core.wire.DataClock;
import io.gridlet.flink.sink.ResultHub;
import io.gridlet.log.local.LocalLog;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;

import static io.gridlet.server.live.RawIngest.batch;
import static io.gridlet.server.live.RawIngest.reading;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A meter that replays recorded readings as fast as they are acknowledged moves data time by hours in
 * milliseconds, faster than the gateway recomputes it (every 20 ms): its batches in flight must be checked against
 * the data time its own earlier readings made, not a stale one, or its readings are refused as too far ahead of a
 * clock it is itself the only one to move (seen in the Node client's interop test on a loaded machine).
 */
class FastReplayClockTest {
    private static final long T0 = 1_377_986_401L;

    @TempDir
    Path dir;

    @Test
    void aMeterAloneReplayingHoursInMillisecondsIsNeverTooFarAheadOfItself() throws Exception {
        LiveFixture data = new LiveFixture(dir, 1, 60, 1).ownHouses(1);
        LocalLog log = new LocalLog(dir.resolve("log"), LocalLog.Fsync.NEVER);
        String hub = "fast-replay-" + System.nanoTime();
        DataClock.Limits clock = new DataClock.Limits(0, 3_600, 300, Duration.ofSeconds(30));
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        try (Gateway gateway = Gateway.start(log, ResultHub.named(hub), new Gateway.Settings(data.gatewayPolicy,
                data.identities, new InetSocketAddress("127.0.0.1", 0), metrics, () -> true)
                .clock(clock));
             LiveFixture.Client mallory = data.client(gateway.port(), LiveFixture.MALLORY,
                     LiveFixture.MALLORY_SECRET)) {
            RawIngest stream = new RawIngest(mallory);
            // the first batch makes data time (T0 + 1,000)
            stream.send(batch(LiveFixture.MALLORY, 1, every(T0, 100, 11)));
            assertThat(stream.ack().rejected()).isEmpty();
            // then 30 batches back to back, each 2,000 s of data time past the one before: each within the max
            // ahead (3,600 s) of the readings before it, the third on more than 3,600 s past T0 + 1,000
            int batches = 30;
            long seq = 12;
            for (int b = 0; b < batches; b++) {
                stream.send(batch(LiveFixture.MALLORY, seq, every(T0 + 1_200 + b * 2_000L, 200, 10)));
                seq += 10;
            }
            long last = 0;
            for (int b = 0; b < batches; b++) {
                Ack ack = stream.ack();
                assertThat(ack.rejected()).as("batch %d of %d", b + 2, batches + 1).isEmpty();
                last = ack.lastSeq();
            }
            assertThat(last).isEqualTo(seq - 1);
            long end = T0 + 1_200 + (batches - 1) * 2_000L + 9 * 200; // its latest reading
            Thread.sleep(25); // so the next batch's commit computes data time (20 ms since the last)
            stream.send(batch(LiveFixture.MALLORY, seq, reading(end, 1_000, 1, 900)));
            assertThat(stream.ack().rejected()).isEmpty();
            assertThat(gateway.dataTime()).as("data time: the meter's latest reading").isEqualTo(end);
            // still refused: more than the max ahead past its own latest, and past the wall clock; and without a
            // computation of data time forced (its latest did not rise since the last)
            double forced = metrics.counter("gridlet.ingest.clock.recomputed").count();
            assertThat(forced).as("forced computations: at most one per batch that rose").isBetween(0.0, 30.0);
            stream.send(batch(LiveFixture.MALLORY, seq + 1, reading(end + 3_601, 1_000, 1, 900),
                    reading(System.currentTimeMillis() / 1000 + 3_600, 1_000, 1, 900)));
            assertThat(stream.ack().rejected()).extracting(r -> r.reason().label())
                    .containsExactly("too-far-ahead", "too-far-ahead");
            assertThat(metrics.counter("gridlet.ingest.clock.recomputed").count()).isEqualTo(forced);
        } finally {
            ResultHub.remove(hub);
        }
    }

    /** {@code n} readings of house 900 (mallory's), {@code step} seconds apart from {@code from}. */
    private static RawIngest.Raw[] every(long from, long step, int n) {
        RawIngest.Raw[] r = new RawIngest.Raw[n];
        for (int i = 0; i < n; i++) r[i] = reading(from + i * step, 1_000, 1, 900);
        return r;
    }
}
