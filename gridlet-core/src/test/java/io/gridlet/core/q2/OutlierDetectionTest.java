package io.gridlet.core.q2;

import io.gridlet.core.result.ResultCollector;
import io.gridlet.core.result.ResultLines;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Q2 on hand-computed cases with one 100 s window. */
class OutlierDetectionTest {
    private final ResultCollector out = new ResultCollector();
    private final OutlierDetection q2 = new OutlierDetection(100);

    private List<String> lines() {
        return out.lines().getOrDefault(ResultLines.outlierFile(100), List.of());
    }

    @Test
    void aPlugEqualToTheGlobalMedianIsNotAbove() {
        q2.add(10, 1, 1, 1, 10_000);
        q2.add(10, 1, 1, 2, 20_000);
        q2.add(10, 1, 1, 3, 30_000);
        q2.evaluate(10, out); // global median 20 = plug 2's median: only plug 3 is above
        assertThat(lines()).containsExactly("-90,10,1,1,33.333");
    }

    @Test
    void evenCountsUseTheMeanOfTheMiddleValues() {
        q2.add(10, 1, 1, 1, 10_000);
        q2.add(10, 1, 1, 2, 11_000);
        q2.evaluate(10, out); // global {10, 11} -> 10.5; plug 2 (11) above
        q2.add(20, 1, 1, 1, 12_000);
        q2.evaluate(20, out); // global {10, 11, 12} -> 11; plug 1 {10, 12} -> 11: not above; plug 2: 11 not above
        assertThat(lines()).containsExactly("-90,10,1,1,50.000", "-80,20,1,1,0.000");
    }

    @Test
    void emitsOnlyWhenTheShareChangesAsAFraction() {
        q2.add(10, 1, 1, 1, 10_000);
        q2.add(10, 1, 1, 2, 20_000);
        q2.evaluate(10, out); // 1 of 2
        q2.add(20, 1, 1, 3, 5_000);
        q2.add(20, 1, 1, 4, 30_000);
        q2.evaluate(20, out); // global {5,10,20,30} -> 15; plugs 2, 4 above: 2 of 4 = 1 of 2, not emitted
        assertThat(lines()).containsExactly("-90,10,1,1,50.000");
    }

    @Test
    void readingsLeaveTheWindowAfterItsLength() {
        q2.add(10, 1, 1, 1, 10_000);
        q2.add(10, 1, 1, 2, 20_000);
        q2.evaluate(10, out);      // 1 of 2 above
        q2.add(105, 1, 1, 1, 50_000);
        q2.evaluate(105, out);     // window (5, 105]: plug 1 {10, 50} -> 30 > 20: 1 of 2, unchanged
        q2.evaluate(110, out);     // window (10, 110]: the readings at 10 are gone; only plug 1 {50}: 0 of 1
        q2.evaluate(300, out);     // window (200, 300] is empty: nothing to say
        assertThat(lines()).containsExactly("-90,10,1,1,50.000", "10,110,1,1,0.000");
        assertThat(q2.readingsHeld()).isZero();
    }

    @Test
    void householdsAreReportedInIdOrderAndSeparately() {
        q2.add(10, 2, 1, 1, 10_000);
        q2.add(10, 1, 2, 1, 30_000);
        q2.add(10, 1, 1, 1, 20_000);
        q2.evaluate(10, out);
        assertThat(lines()).containsExactly("-90,10,1,1,0.000", "-90,10,1,2,100.000", "-90,10,2,1,0.000");
    }
}
