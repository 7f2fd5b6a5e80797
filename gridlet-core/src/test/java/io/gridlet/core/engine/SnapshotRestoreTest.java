package io.gridlet.core.engine;

import io.gridlet.core.model.Measurement;
import io.gridlet.core.result.ResultCollector;
import io.gridlet.core.testing.Generated;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** snapshot → restore into a fresh engine → continue gives exactly the output of an uninterrupted run. */
class SnapshotRestoreTest {

    private static List<Measurement> readings(long seed) throws IOException {
        return Generated.readings(Generated.shape(seed, 2, 3.2, 240));
    }

    private static byte[] snapshot(QueryEngine engine) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        engine.snapshot(new DataOutputStream(bytes));
        return bytes.toByteArray();
    }

    private static QueryEngine restore(byte[] snapshot) throws IOException {
        return QueryEngine.restore(new DataInputStream(new ByteArrayInputStream(snapshot)), new ResultCollector());
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {7, 8})
    void restoringAtAnyPointContinuesExactlyAsWithout(long seed) throws IOException {
        List<Measurement> all = readings(seed);
        ResultCollector uninterrupted = new ResultCollector();
        QueryEngine plain = new QueryEngine(QueryConfig.DEFAULT, uninterrupted);
        all.forEach(plain::accept);
        plain.finish();

        ResultCollector resumed = new ResultCollector();
        QueryEngine engine = new QueryEngine(QueryConfig.DEFAULT, resumed);
        // restore at the start, in the first day, across the gap, mid-timestamp and near the end
        int[] cuts = {0, 1, all.size() / 7, all.size() / 2, all.size() / 2 + 1, all.size() - 3, all.size()};
        int next = 0;
        for (int i = 0; i <= all.size(); i++) {
            if (next < cuts.length && cuts[next] == i) {
                engine = QueryEngine.restore(new DataInputStream(new ByteArrayInputStream(snapshot(engine))), resumed);
                next++;
            }
            if (i < all.size()) engine.accept(all.get(i));
        }
        engine.finish();

        assertThat(resumed.lines()).isEqualTo(uninterrupted.lines());
        assertThat(uninterrupted.lines()).containsKeys("q1-plug-60.csv", "q2-86400.csv");
    }

    @Test
    void snapshotsOfRestoredEnginesAreStable() throws IOException {
        // the first restore may renumber plugs (in order of the readings held), after that nothing changes
        List<Measurement> all = readings(9);
        QueryEngine engine = new QueryEngine(QueryConfig.DEFAULT, new ResultCollector());
        all.subList(0, all.size() * 2 / 3).forEach(engine::accept);
        byte[] once = snapshot(restore(snapshot(engine)));
        byte[] twice = snapshot(restore(once));
        assertThat(Arrays.equals(twice, once)).as("second-generation snapshot equals the first").isTrue();
        assertThat(engine.windowReadings()).isPositive();
    }
}
