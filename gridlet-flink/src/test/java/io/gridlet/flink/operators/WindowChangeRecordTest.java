package io.gridlet.flink.operators;

import io.gridlet.core.q2.GlobalShares;
import io.gridlet.core.result.ResultCollector;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A window change applied from its columns ({@link WindowChangeRecord#applyTo}); its equality with the core's
 * query on real data is GlobalSharesOperatorTest's. Here: what a malformed change does (one read from a
 * checkpoint or the wire that does not hold together).
 */
class WindowChangeRecordTest {

    @Test
    void appliesItsColumns() {
        GlobalShares shares = new GlobalShares(3600);
        new WindowChangeRecord(3600, 10, new int[] {5, 7, 9}, new int[0], new long[] {1, 2, 3, 1, 2, 4},
                new long[] {20, 2}).applyTo(shares);
        ResultCollector out = new ResultCollector();
        shares.evaluate(10, out);
        // global median of {5, 7, 9} is 7 (doubled 14): plug 3's doubled median 20 is above, plug 4's 2 is not
        assertThat(out.lines().get("q2-3600.csv")).containsExactly("-3590,10,1,2,50.000"); // (ts_start = 10 - 3600)
    }

    @Test
    void refusesAChangeThatDoesNotHoldTogether() {
        GlobalShares shares = new GlobalShares(3600);
        assertThatThrownBy(() -> new WindowChangeRecord(3600, 10, new int[0], new int[0], new long[] {1, 2},
                new long[] {4}).applyTo(shares)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("one (house, household, plug) per median");
        assertThatThrownBy(() -> new WindowChangeRecord(3600, 10, new int[0], new int[0], new long[] {1, 2, 3, 4},
                new long[] {4}).applyTo(shares)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new WindowChangeRecord(3600, 10, new int[0], new int[] {42}, new long[0],
                new long[0]).applyTo(shares)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("left a window it was never in");
        assertThatThrownBy(() -> new WindowChangeRecord(900, 10, new int[] {1}, new int[0], new long[0],
                new long[0]).applyTo(shares)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no 900 s window");
    }
}
