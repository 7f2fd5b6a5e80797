package io.gridlet.adaptlets.builtin;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The generational table against the obvious model: a map from value to expiry. */
class ReplayCacheTest {
    record Value(long high, long low) {
    }

    @Test
    void agreesWithAMapOfExpiriesOnRandomTraffic() {
        Random random = new Random(7);
        ReplayCache cache = new ReplayCache(1_000_000, 250);
        Map<Value, Long> model = new HashMap<>();
        List<Value> used = new ArrayList<>();
        long now = 1_000_000;
        for (int i = 0; i < 300_000; i++) {
            now += random.nextInt(3);
            Value v;
            if (!used.isEmpty() && random.nextInt(4) == 0) {
                v = used.get(random.nextInt(used.size())); // a replay attempt, maybe of an expired value
            } else {
                v = new Value(random.nextInt(3) == 0 ? 0 : random.nextLong(), random.nextInt(50) == 0 ? 0
                        : random.nextLong());
                used.add(v);
            }
            long expiry = now + 1 + random.nextInt(1000);
            Long before = model.get(v);
            ReplayCache.Use expected = before != null && before >= now ? ReplayCache.Use.REPLAY : ReplayCache.Use.FIRST;
            ReplayCache.Use got = cache.use(v.high(), v.low(), expiry, now);
            // the table may remember a value up to one slot after its expiry: that is a replay the caller's own
            // expiry check (timestamps, puzzle expiry) refuses anyway, so only those may differ
            if (got != expected) {
                assertThat(got).isEqualTo(ReplayCache.Use.REPLAY);
                assertThat(now - before).isLessThanOrEqualTo(250);
            } else if (got == ReplayCache.Use.FIRST) {
                model.put(v, expiry);
            }
        }
    }

    @Test
    void refusesNewValuesWhenFullInsteadOfForgetting() {
        ReplayCache cache = new ReplayCache(3, 1000);
        for (long i = 1; i <= 3; i++) assertThat(cache.use(i, i, 2_000, 1_000)).isEqualTo(ReplayCache.Use.FIRST);
        assertThat(cache.use(9, 9, 2_000, 1_000)).isEqualTo(ReplayCache.Use.FULL);
        assertThat(cache.use(1, 1, 2_000, 1_000)).isEqualTo(ReplayCache.Use.REPLAY);
        assertThat(cache.use(9, 9, 9_000, 4_000)).as("after they expire there is room").isEqualTo(ReplayCache.Use.FIRST);
        assertThat(cache.size()).isEqualTo(1);
    }

    @Test
    void anOwnerOverItsShareIsRefusedUntilItsOwnValuesExpireWhileOthersGoOn() {
        ReplayCache cache = new ReplayCache(100, 1000);
        for (long i = 1; i <= 3; i++) {
            assertThat(cache.use("meter-1", 3, i, i, 1_500 + i * 1000, 1_000)).isEqualTo(ReplayCache.Use.FIRST);
        }
        assertThat(cache.use("meter-1", 3, 9, 9, 2_500, 1_000)).isEqualTo(ReplayCache.Use.OWNER_FULL);
        assertThat(cache.use("meter-1", 3, 2, 2, 2_500, 1_000)).as("a replay is still a replay")
                .isEqualTo(ReplayCache.Use.REPLAY);
        assertThat(cache.use("meter-2", 3, 9, 9, 2_500, 1_000)).isEqualTo(ReplayCache.Use.FIRST);
        assertThat(cache.size("meter-1")).isEqualTo(3);
        // meter-1's first value lives in the slot 2000..2999, emptied from 3000 on
        assertThat(cache.millisUntilRoom("meter-1", 1_000)).isEqualTo(2_000);
        assertThat(cache.use("meter-1", 3, 10, 10, 4_500, 3_000)).isEqualTo(ReplayCache.Use.FIRST);
        assertThat(cache.size("meter-1")).isEqualTo(3);
        assertThat(cache.size("meter-2")).isZero();
    }
}
