package io.gridlet.core.q2;

import io.gridlet.core.engine.QueryConfig;
import io.gridlet.core.model.Measurement;
import io.gridlet.core.result.ResultCollector;
import io.gridlet.core.testing.Generated;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Objects;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Q2 as a stream job runs it: the per-plug half split over partitions (by household here; the job splits by plug:
 * any disjoint split of the plugs must do), every partition's changes
 * for a timestamp applied to one global half, which then evaluates. Must equal the single-process query.
 */
class PartitionedOutlierDetectionTest {

    private static List<Measurement> readings() throws IOException {
        return Generated.readings(Generated.shape(31, 3, 2.2, 60));
    }

    @ParameterizedTest(name = "{0} partitions")
    @ValueSource(ints = {1, 2, 3, 5})
    void partitionsByHouseholdGiveTheSameSharesAsOneProcess(int partitions) throws IOException {
        int[] windows = QueryConfig.DEFAULT_WINDOWS;
        List<Measurement> all = readings();

        ResultCollector expected = new ResultCollector();
        OutlierDetection single = new OutlierDetection(windows);
        ResultCollector actual = new ResultCollector();
        PlugMedians[] parts = new PlugMedians[partitions];
        for (int i = 0; i < partitions; i++) parts[i] = new PlugMedians(windows);
        GlobalShares shares = new GlobalShares(windows);
        GlobalShares byColumns = new GlobalShares(windows); // fed the same changes as columns, as the job does
        ResultCollector columnsOut = new ResultCollector();

        long dataTime = Long.MIN_VALUE;
        for (int i = 0; i < all.size(); i++) {
            Measurement m = all.get(i);
            if (m.timestamp() > dataTime) {
                if (dataTime != Long.MIN_VALUE) {
                    single.evaluate(dataTime, expected);
                    for (PlugMedians part : parts) {
                        part.evaluate(dataTime, c -> {
                            shares.apply(c.copy());
                            applyColumns(byColumns, c);
                        });
                    }
                    shares.evaluate(dataTime, actual);
                    byColumns.evaluate(dataTime, columnsOut);
                }
                dataTime = m.timestamp();
            }
            if (i == all.size() / 2) { // a snapshot of each half mid-way changes nothing
                for (int p = 0; p < partitions; p++) parts[p] = roundTrip(parts[p]);
            }
            if (!m.isLoad()) continue;
            single.add(m.timestamp(), m.houseId(), m.householdId(), m.plugId(), (int) m.milliValue());
            int partition = Math.floorMod(Objects.hash(m.houseId(), m.householdId()), partitions);
            parts[partition].add(m.timestamp(), m.houseId(), m.householdId(), m.plugId(), (int) m.milliValue());
        }
        single.evaluate(dataTime, expected);
        for (PlugMedians part : parts) {
            part.evaluate(dataTime, c -> {
                applyColumns(byColumns, c);
                shares.apply(c);
            });
        }
        shares.evaluate(dataTime, actual);
        byColumns.evaluate(dataTime, columnsOut);

        assertThat(expected.lines()).containsKeys("q2-3600.csv", "q2-86400.csv");
        assertThat(actual.lines()).isEqualTo(expected.lines());
        assertThat(columnsOut.lines()).isEqualTo(expected.lines());
    }

    private static void applyColumns(GlobalShares shares, WindowChange c) {
        shares.apply(c.windowSeconds(), c.enteredValues(), c.leftValues(), c.plugTriples(), c.doubledMedians());
    }

    private static PlugMedians roundTrip(PlugMedians part) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        part.snapshot(new DataOutputStream(bytes));
        return PlugMedians.restore(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
    }
}
