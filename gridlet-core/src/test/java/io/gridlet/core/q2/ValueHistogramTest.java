package io.gridlet.core.q2;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** ValueHistogram against a sorted list, on random sliding windows over small and huge value ranges. */
class ValueHistogramTest {

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {11, 12, 13})
    void agreesWithASortedListOnEveryStep(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        ValueHistogram histogram = new ValueHistogram();
        ArrayDeque<Integer> window = new ArrayDeque<>();
        List<Integer> sorted = new ArrayList<>();
        for (int step = 0; step < 20_000; step++) {
            if (window.isEmpty() || random.nextInt(10) < 6) {
                int v = switch (random.nextInt(3)) {
                    case 0 -> random.nextInt(2000);                 // one low bucket, duplicates
                    case 1 -> random.nextInt(5_000_000);            // a few kW
                    default -> random.nextInt(Integer.MAX_VALUE);   // the whole range
                };
                window.add(v);
                histogram.add(v);
                int at = Collections.binarySearch(sorted, v);
                sorted.add(at < 0 ? -at - 1 : at, v);
            } else {
                int v = window.removeFirst();
                assertThat(histogram.remove(v)).isTrue();
                sorted.remove(Integer.valueOf(v));
            }
            if (!sorted.isEmpty()) {
                int n = sorted.size();
                long expected = n % 2 == 1 ? 2L * sorted.get(n / 2) : (long) sorted.get(n / 2 - 1) + sorted.get(n / 2);
                assertThat(histogram.doubledMedian()).isEqualTo(expected);
                int r = random.nextInt(n);
                assertThat(histogram.kth(r)).isEqualTo(sorted.get(r));
            }
        }
    }

    @Test
    void rejectsNegativeValuesAndRemovalOfAbsentOnes() {
        ValueHistogram histogram = new ValueHistogram();
        assertThatThrownBy(() -> histogram.add(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(histogram.remove(3)).isFalse();
        histogram.add(Integer.MAX_VALUE);
        assertThat(histogram.remove(Integer.MAX_VALUE - 1)).isFalse();
        assertThat(histogram.kth(0)).isEqualTo(Integer.MAX_VALUE);
    }
}
