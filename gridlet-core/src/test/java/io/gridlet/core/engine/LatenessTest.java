package io.gridlet.core.engine;

import io.gridlet.core.result.ResultCollector;
import io.gridlet.core.testing.Generated;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** With a max lateness, input shuffled within that bound gives the results of the sorted input. */
class LatenessTest {

    @Test
    void readingsOutOfOrderWithinTheMaxLatenessGiveTheSortedResults() throws IOException {
        List<String> sorted = Generated.lines(Generated.shape(21, 2, 1.2, 30).withMalformedRate(0));
        List<String> shuffled = new ArrayList<>(sorted);
        SplittableRandom random = new SplittableRandom(3);
        // swap neighbours whose timestamps are at most 20 s apart; equal timestamps keep their order
        for (int i = 0; i + 1 < shuffled.size(); i++) {
            long a = ts(shuffled.get(i)), b = ts(shuffled.get(i + 1));
            if (a != b && b - a <= 20 && random.nextInt(4) == 0) {
                String x = shuffled.get(i);
                shuffled.set(i, shuffled.get(i + 1));
                shuffled.set(i + 1, x);
                i++;
            }
        }
        assertThat(shuffled).isNotEqualTo(sorted);

        ResultCollector expected = new ResultCollector(), actual = new ResultCollector();
        new Replay(QueryConfig.DEFAULT, 0).run(Generated.bytes(sorted), expected);
        Replay late = new Replay(QueryConfig.DEFAULT, 20);
        late.run(Generated.bytes(shuffled), actual);

        assertThat(late.rejections().total()).isZero();
        assertThat(actual.lines()).isEqualTo(expected.lines());

        Replay strict = new Replay(QueryConfig.DEFAULT, 0);
        strict.run(Generated.bytes(shuffled), new ResultCollector());
        assertThat(strict.rejections().total()).isPositive();
    }

    private static long ts(String line) {
        return Long.parseLong(line.split(",")[1]);
    }
}
