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

/** SlidingMedian against a sorted list, after every operation of a random sliding window. */
class SlidingMedianTest {

    private static long doubledMedianOf(List<Integer> sorted) {
        int n = sorted.size();
        return n % 2 == 1 ? 2L * sorted.get(n / 2) : (long) sorted.get(n / 2 - 1) + sorted.get(n / 2);
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void agreesWithASortedListOnEveryStepOfASlidingWindow(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        SlidingMedian median = new SlidingMedian();
        ArrayDeque<Integer> window = new ArrayDeque<>();
        List<Integer> sorted = new ArrayList<>();
        int range = seed % 2 == 0 ? 50 : 5_000_000; // many duplicates, or almost none
        for (int step = 0; step < 40_000; step++) {
            // the window grows, shrinks and holds still, so blocks split, shrink and merge
            int phase = (step / 5000) % 3;
            boolean add = window.isEmpty() || (phase == 0 ? random.nextInt(10) < 8
                    : phase == 1 ? random.nextInt(10) < 2 : random.nextBoolean());
            if (add) {
                int v = random.nextInt(range);
                window.addLast(v);
                median.add(v);
                int at = Collections.binarySearch(sorted, v);
                sorted.add(at < 0 ? -at - 1 : at, v);
            } else {
                int v = window.removeFirst();
                assertThat(median.remove(v)).isTrue();
                sorted.remove(Integer.valueOf(v));
            }
            assertThat(median.size()).isEqualTo(sorted.size());
            if (!sorted.isEmpty()) {
                assertThat(median.doubledMedian()).isEqualTo(doubledMedianOf(sorted));
                int r = random.nextInt(sorted.size());
                assertThat(median.kth(r)).isEqualTo(sorted.get(r));
            }
        }
    }

    @Test
    void evenCountMedianIsTheMeanOfTheTwoMiddleValues() {
        SlidingMedian median = new SlidingMedian();
        median.add(10);
        median.add(31);
        assertThat(median.doubledMedian()).isEqualTo(41); // 20.5, exactly
        median.add(31);
        median.add(0);
        assertThat(median.doubledMedian()).isEqualTo(41); // {0, 10, 31, 31}
    }

    @Test
    void removingAnAbsentValueChangesNothing() {
        SlidingMedian median = new SlidingMedian();
        median.add(5);
        assertThat(median.remove(6)).isFalse();
        assertThat(median.remove(5)).isTrue();
        assertThat(median.remove(5)).isFalse();
        assertThat(median.isEmpty()).isTrue();
        assertThatThrownBy(median::doubledMedian).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void holdsExtremeValues() {
        SlidingMedian median = new SlidingMedian();
        median.add(Integer.MAX_VALUE);
        median.add(0);
        assertThat(median.doubledMedian()).isEqualTo(Integer.MAX_VALUE);
        median.add(Integer.MAX_VALUE);
        assertThat(median.doubledMedian()).isEqualTo(2L * Integer.MAX_VALUE);
    }
}
