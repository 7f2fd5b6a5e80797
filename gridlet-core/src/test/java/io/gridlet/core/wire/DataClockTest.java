package io.gridlet.core.wire;

import io.gridlet.core.csv.RejectReason;
import io.gridlet.core.csv.Rejections;
import io.gridlet.core.engine.OrderGate;
import io.gridlet.core.model.Measurement;
import io.gridlet.core.model.Property;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class DataClockTest {
    private static final long T0 = 1_377_986_401L;
    private static final long WALL = 1_800_000_000L; // the service's clock: long after the data
    private static final long SECOND = 1_000_000_000L;
    private final DataClock.Limits limits = new DataClock.Limits(0, 3_600, 300, Duration.ofSeconds(30));

    @Test
    void meterSendingInOrderAtDifferentSpeedsAreNeverLateEvenWithoutLateness() {
        // five meters, each in timestamp order, each reading 1 to 5 s after its last, interleaved at random: a
        // clock that is the newest timestamp would make the slower ones late; the watermark over meters never does
        DataClock clock = new DataClock(limits);
        Random random = new Random(42);
        long[] next = new long[5];
        Arrays.fill(next, T0);
        long now = 0;
        int refused = 0;
        Rejections newestClockRejections = new Rejections();
        OrderGate newestClock = new OrderGate(0, newestClockRejections); // the file rule, for contrast
        for (int step = 0; step < 20_000; step++) {
            int m = random.nextInt(5);
            long ts = next[m];
            next[m] += 1 + random.nextInt(5);
            now += SECOND / 100;
            if (clock.check(ts, WALL) != null) refused++;
            newestClock.offer(new Measurement(step, ts, 1, Property.LOAD, 0, 0, m), step, r -> { });
            clock.saw("meter-" + m, ts, now);
            clock.advance(now);
            assertThat(clock.dataTime()).isLessThanOrEqualTo(Arrays.stream(next).min().getAsLong());
        }
        assertThat(refused).isZero();
        assertThat(newestClockRejections.count(RejectReason.LATE)).isGreaterThan(1_000);
    }

    @Test
    void dataTimeIsTheOldestLatestOfTheMetersThatTakePartAndNeverGoesBack() {
        DataClock clock = new DataClock(limits);
        assertThat(clock.dataTime()).isEqualTo(DataClock.NONE);
        clock.saw("a", T0 + 100, 0);
        clock.saw("b", T0 + 40, 0);
        assertThat(clock.advance(0)).isEqualTo(T0 + 40);
        clock.saw("b", T0 + 70, SECOND);
        assertThat(clock.advance(SECOND)).isEqualTo(T0 + 70);
        clock.saw("c", T0 + 10, 2 * SECOND); // a meter joining behind does not move time back
        assertThat(clock.advance(2 * SECOND)).isEqualTo(T0 + 70);
    }

    @Test
    void anIdleMeterDoesNotHoldDataTimeBack() {
        DataClock clock = new DataClock(limits);
        clock.saw("quiet", T0, 0);
        clock.saw("busy", T0 + 500, 0);
        assertThat(clock.advance(0)).isEqualTo(T0);
        clock.saw("busy", T0 + 900, 31 * SECOND); // quiet has sent nothing for 31 s of wall time
        assertThat(clock.advance(31 * SECOND)).isEqualTo(T0 + 900);
    }

    @Test
    void aMinorityThatStaysBehindOnPurposeDelaysDataTimeByAtMostHalfMaxAhead() {
        DataClock clock = new DataClock(limits);
        long now = 0;
        for (long t = 0; t < 10_000; t += 10) {
            now += SECOND / 10;
            clock.saw("staller", T0, now); // keeps sending, always its first timestamp
            clock.saw("honest-1", T0 + t, now);
            clock.saw("honest-2", T0 + t, now);
            clock.advance(now);
            assertThat(clock.dataTime()).isGreaterThanOrEqualTo(T0 + t - limits.maxAheadSeconds() / 2);
        }
        assertThat(clock.dataTime()).isGreaterThan(T0 + 5_000);
    }

    @Test
    void beforeDataTimeExistsMetersThatConnectedHoldItUntilTheySendOrGoIdle() {
        DataClock clock = new DataClock(limits);
        clock.saw("slow-to-start", DataClock.NONE, 0); // connected: asked where to resume
        clock.saw("quick", T0 + 50, SECOND);
        assertThat(clock.advance(SECOND)).isEqualTo(DataClock.NONE);
        assertThat(clock.check(T0, WALL)).as("nothing is late before data time exists").isNull();
        clock.saw("slow-to-start", T0 + 2, 2 * SECOND);
        assertThat(clock.advance(2 * SECOND)).isEqualTo(T0 + 2);
        // once data time runs, a meter that connects does not hold it (reconnecting cannot stall it either)
        clock.saw("newcomer", DataClock.NONE, 3 * SECOND);
        clock.saw("slow-to-start", T0 + 40, 3 * SECOND);
        assertThat(clock.advance(3 * SECOND)).isEqualTo(T0 + 40);
    }

    @Test
    void aMeterThatConnectsAndNeverSendsHoldsTheStartForIdleAfterOnly() {
        DataClock clock = new DataClock(limits);
        clock.saw("silent", DataClock.NONE, 0);
        clock.saw("quick", T0 + 50, 0);
        assertThat(clock.advance(30 * SECOND)).isEqualTo(DataClock.NONE);
        clock.saw("silent", DataClock.NONE, 30 * SECOND); // asking again where to resume renews nothing
        clock.saw("quick", T0 + 60, 31 * SECOND);
        assertThat(clock.advance(31 * SECOND)).isEqualTo(T0 + 60);
    }

    @Test
    void oneMeterRunningAheadCannotMoveDataTimeNorMakeTheOthersLookBehind() {
        DataClock clock = new DataClock(limits);
        long now = 0;
        for (int step = 0; step < 100; step++) {
            now += SECOND / 10;
            for (int m = 0; m < 3; m++) clock.saw("honest-" + m, T0 + step, now);
            // as far ahead as it may go, again and again
            long ahead = clock.dataTime() == DataClock.NONE ? T0 : clock.dataTime() + limits.maxAheadSeconds();
            assertThat(clock.check(ahead, WALL)).isNull();
            clock.saw("mallory", ahead, now);
            clock.advance(now);
            assertThat(clock.dataTime()).isLessThanOrEqualTo(T0 + step);
            assertThat(clock.check(T0 + step, WALL)).as("an honest reading").isNull();
        }
    }

    @Test
    void aServiceRestartingOnItsLogWaitsForTheMetersItKnewBeforeMovingOn() {
        DataClock clock = new DataClock(new DataClock.Limits(120, 3_600, 300, Duration.ofSeconds(30)));
        clock.recover(T0 + 1_000, List.of("a", "b"), 0);
        assertThat(clock.dataTime()).isEqualTo(T0 + 1_000);
        assertThat(clock.check(T0 + 879, WALL)).as("what the job already passed").isEqualTo(RejectReason.LATE);
        clock.saw("a", T0 + 1_500, SECOND); // a reconnects first and sends its backlog
        assertThat(clock.advance(SECOND)).isEqualTo(T0 + 1_000);
        assertThat(clock.check(T0 + 1_010, WALL)).as("b's backlog, resent later").isNull();
        clock.saw("b", T0 + 1_100, 2 * SECOND);
        assertThat(clock.advance(2 * SECOND)).isEqualTo(T0 + 1_100);
        clock.saw("a", T0 + 1_600, 40 * SECOND); // a meter of the log that never comes back holds for idleAfter only
        assertThat(clock.advance(40 * SECOND)).isEqualTo(T0 + 1_600);
    }

    @Test
    void aReadingFarInTheFutureIsRefusedAndMovesNothing() {
        DataClock clock = new DataClock(limits);
        // even the very first reading cannot be after the service's clock plus the skew
        assertThat(clock.check(0xFFFF_FFFFL, WALL)).isEqualTo(RejectReason.TOO_FAR_AHEAD);
        assertThat(clock.check(WALL + 301, WALL)).isEqualTo(RejectReason.TOO_FAR_AHEAD);
        assertThat(clock.check(WALL + 300, WALL)).isNull();
        clock.saw("a", T0, 0);
        clock.advance(0);
        assertThat(clock.check(T0 + 3_600, WALL)).isNull();
        assertThat(clock.check(T0 + 3_601, WALL)).isEqualTo(RejectReason.TOO_FAR_AHEAD);
        assertThat(clock.explain(RejectReason.TOO_FAR_AHEAD, T0 + 3_601, WALL)).contains("3600 s after data time");
        assertThat(clock.dataTime()).isEqualTo(T0);
    }

    @Test
    void aReadingOlderThanDataTimeMinusTheLatenessIsLate() {
        DataClock clock = new DataClock(new DataClock.Limits(60, 3_600, 300, Duration.ofSeconds(30)));
        clock.saw("a", T0 + 1_000, 0);
        clock.advance(0);
        assertThat(clock.check(T0 + 940, WALL)).isNull();
        assertThat(clock.check(T0 + 939, WALL)).isEqualTo(RejectReason.LATE);
    }

    @Test
    void agreesWithABruteForceWatermarkOnRandomTraffic() {
        // the oracle: recompute from every meter's full history, by the rule's words
        Random random = new Random(7);
        DataClock clock = new DataClock(limits);
        Map<String, List<long[]>> history = new HashMap<>(); // meter -> (ts, wall nanos)
        long now = 0, expected = DataClock.NONE;
        for (int step = 0; step < 3_000; step++) {
            now += random.nextInt(3) * SECOND;
            String meter = "m" + random.nextInt(6);
            long ts = T0 + random.nextInt(8_000);
            clock.saw(meter, ts, now);
            history.computeIfAbsent(meter, k -> new ArrayList<>()).add(new long[] {ts, now});
            long newest = DataClock.NONE;
            Map<String, Long> latestActive = new HashMap<>();
            for (var e : history.entrySet()) {
                long last = e.getValue().get(e.getValue().size() - 1)[1];
                if (now - last > limits.idleAfter().toNanos()) continue;
                long latest = e.getValue().stream().mapToLong(x -> x[0]).max().getAsLong();
                latestActive.put(e.getKey(), latest);
                newest = Math.max(newest, latest);
            }
            List<Long> sorted = latestActive.values().stream().sorted().toList();
            long median = sorted.isEmpty() ? DataClock.NONE : sorted.get((sorted.size() - 1) / 2);
            long oldest = latestActive.values().stream().filter(l -> l >= median - limits.maxAheadSeconds() / 2)
                    .mapToLong(Long::longValue).min().orElse(DataClock.NONE);
            expected = Math.max(expected, oldest);
            assertThat(clock.advance(now)).as("step " + step).isEqualTo(expected);
        }
    }

    @Test
    void aMeterWhoseLatestRoseSinceDataTimeWasComputedIsKnownUntilItIsComputedAgain() {
        DataClock clock = new DataClock(limits);
        assertThat(clock.roseSinceAdvance("a")).as("a meter never seen").isFalse();
        clock.saw("a", DataClock.NONE, 0); // connected, nothing sent
        assertThat(clock.roseSinceAdvance("a")).isFalse();
        clock.saw("a", T0, 0);
        assertThat(clock.roseSinceAdvance("a")).isTrue();
        clock.advance(0);
        assertThat(clock.roseSinceAdvance("a")).isFalse();
        clock.saw("a", T0, SECOND); // the same latest again: no rise
        clock.saw("b", T0 + 5, SECOND); // another meter's rise is its own
        assertThat(clock.roseSinceAdvance("a")).isFalse();
        assertThat(clock.roseSinceAdvance("b")).isTrue();
        clock.saw("a", T0 + 1, SECOND);
        assertThat(clock.roseSinceAdvance("a")).isTrue();
        clock.advance(SECOND);
        assertThat(clock.roseSinceAdvance("a")).isFalse();
        assertThat(clock.roseSinceAdvance("b")).isFalse();
    }
}
