package io.gridlet.core.q1;

import io.gridlet.core.result.ResultCollector;
import io.gridlet.core.result.ResultLines;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Q1 on hand-computed cases, one 60 s slice size (k = 1440 slices a day), epoch 0. */
class LoadForecastTest {
    private static final int DAY = 86_400;
    private final ResultCollector out = new ResultCollector();
    private final LoadForecast q1 = new LoadForecast(0, 60);

    private List<String> plugLines() {
        return out.lines().getOrDefault(ResultLines.plugFile(60), List.of());
    }

    private List<String> houseLines() {
        return out.lines().getOrDefault(ResultLines.houseFile(60), List.of());
    }

    /** A full slice [start, start + 60) of plug (1,1,plug) with one reading of {@code mw}, then its boundaries. */
    private void slice(long start, long plug, long mw) {
        q1.add(1, 1, plug, mw);
        q1.crossBoundary(start + 30, out);
        q1.crossBoundary(start + 60, out);
    }

    @Test
    void withoutHistoryPredictsTheCurrentAverage() {
        q1.add(1, 1, 1, 10_000);
        q1.add(1, 1, 1, 31_001);
        q1.crossBoundary(30, out);
        assertThat(plugLines()).containsExactly("120,1,1,1,20.501"); // mean 20.5005 W, half-up
        assertThat(houseLines()).containsExactly("120,1,20.501");
    }

    @Test
    void predictsFromHistoryOfSameSlotOnPreviousDays() {
        // slot 2 (the predicted slice of slice 0) on days 0, 1 and 2: 10 W, 40 W, 20 W -> median 20 W
        slice(120, 1, 10_000);
        slice(DAY + 120, 1, 40_000);
        slice(2 * DAY + 120, 1, 20_000);
        out.lines(); // slot-2 history is now {10, 20, 40}
        ResultCollector day3 = new ResultCollector();
        q1.add(1, 1, 1, 50_000); // slice 3k (first slice of day 3), predicting slice 3k + 2
        q1.crossBoundary(3L * DAY + 30, day3);
        assertThat(day3.lines().get(ResultLines.plugFile(60)))
                .containsExactly((3L * DAY + 120) + ",1,1,1,35.000"); // (50 + 20) / 2
    }

    @Test
    void evenHistoryUsesTheMeanOfTheTwoMiddleValues() {
        slice(120, 1, 10_000);
        slice(DAY + 120, 1, 41_000);
        ResultCollector day2 = new ResultCollector();
        q1.add(1, 1, 1, 0);
        q1.crossBoundary(2L * DAY + 30, day2);
        // median of {10, 41} = 25.5; (0 + 25.5) / 2 = 12.75
        assertThat(day2.lines().get(ResultLines.plugFile(60))).containsExactly((2L * DAY + 120) + ",1,1,1,12.750");
    }

    @Test
    void housesSumThePlugAveragesOfPlugsWithReadings() {
        q1.add(1, 1, 1, 10_000);
        q1.add(1, 1, 1, 20_000); // plug 1: 15 W
        q1.add(1, 2, 1, 1_000);  // another household, same house: 1 W
        q1.add(2, 1, 1, 7_000);  // another house
        q1.crossBoundary(30, out);
        assertThat(plugLines()).containsExactly("120,1,1,1,15.000", "120,1,2,1,1.000", "120,2,1,1,7.000");
        assertThat(houseLines()).containsExactly("120,1,16.000", "120,2,7.000");
    }

    @Test
    void aGapOverSeveralBoundariesPredictsOnlyWhileTheSliceHasReadings() {
        q1.add(1, 1, 1, 10_000); // slice 0
        // the next reading is at 200: boundaries 30, 60, 90, 120, 150, 180 are crossed in order
        for (long b = 30; b <= 180; b += 30) q1.crossBoundary(b, out);
        // 30: slice 0 (has a value) -> predicts slice 2; 60: still slice 0 -> again, then slice 0 closes;
        // 90..180: slices 1 and 2 have no readings -> nothing
        assertThat(plugLines()).containsExactly("120,1,1,1,10.000", "120,1,1,1,10.000");
    }

    @Test
    void noBoundaryBeforeTheFirstOneAfterTheEpoch() {
        LoadForecast shifted = new LoadForecast(1000, 60);
        shifted.add(1, 1, 1, 5_000);
        shifted.crossBoundary(1000, out); // m = 0: closes nothing useful, emits nothing
        assertThat(plugLines()).isEmpty();
    }
}
