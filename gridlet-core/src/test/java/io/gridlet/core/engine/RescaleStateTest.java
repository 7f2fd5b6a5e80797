package io.gridlet.core.engine;

import io.gridlet.core.model.Measurement;
import io.gridlet.core.q1.Forecaster;
import io.gridlet.core.q1.LoadForecast;
import io.gridlet.core.q2.GlobalShares;
import io.gridlet.core.q2.PlugMedians;
import io.gridlet.core.result.ResultCollector;
import io.gridlet.core.testing.Generated;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayInputStream;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The queries as a keyed stream job runs them, rescaled twice mid-stream: Q1 split over instances by house and
 * Q2's per-plug half by household (the job splits it by plug: any disjoint split of the plugs must do); at each
 * rescale every instance writes its state in parts by the new partitioning and each new instance restores from
 * its parts of every old instance. The results must be those of
 * one uninterrupted process, line for line (within a file, parallel instances interleave: compared sorted).
 */
class RescaleStateTest {
    private static final QueryConfig CONFIG = QueryConfig.DEFAULT;

    @ParameterizedTest(name = "{0} -> {1} -> {2} instances, {3} forecaster")
    @CsvSource({"1, 3, 2, SPEC", "2, 1, 4, SPEC", "3, 5, 1, SPEC", "2, 3, 1, SEASONAL"})
    void stateMovesBetweenAnyNumbersOfInstances(int first, int second, int third, Forecaster forecaster)
            throws IOException {
        List<Measurement> all = Generated.readings(Generated.shape(17, 4, 2.6, 60));

        ResultCollector expected = new ResultCollector();
        QueryEngine single = new QueryEngine(CONFIG.withForecaster(forecaster), expected);
        all.forEach(single::accept);
        single.finish();

        ResultCollector actual = new ResultCollector();
        Instances job = new Instances(first, forecaster);
        // mid-timestamp cuts: readings of the current timestamp are added but not yet evaluated
        int[] cuts = {all.size() / 3, 2 * all.size() / 3};
        int[] sizes = {second, third};
        long dataTime = Long.MIN_VALUE;
        int nextCut = 0;
        for (int i = 0; i < all.size(); i++) {
            if (nextCut < cuts.length && i == cuts[nextCut]) job = job.rescale(sizes[nextCut++]);
            Measurement m = all.get(i);
            if (m.timestamp() > dataTime) {
                if (dataTime != Long.MIN_VALUE) job.advance(dataTime, m.timestamp(), actual);
                dataTime = m.timestamp();
            }
            if (m.isLoad()) job.add(m);
        }
        job.finish(dataTime, actual);

        assertThat(expected.lines()).containsKeys("q1-plug-60.csv", "q1-house-7200.csv", "q2-86400.csv");
        assertThat(sorted(actual.lines())).isEqualTo(sorted(expected.lines()));
    }

    private static Map<String, List<String>> sorted(Map<String, List<String>> lines) {
        Map<String, List<String>> out = new TreeMap<>();
        lines.forEach((file, l) -> out.put(file, l.stream().sorted().toList()));
        return out;
    }

    /** n instances of each parallel half, one global Q2 half. */
    private static final class Instances {
        final LoadForecast[] q1;
        final PlugMedians[] q2;
        final GlobalShares shares;

        Instances(int n, Forecaster forecaster) {
            this(new LoadForecast[n], new PlugMedians[n], new GlobalShares(CONFIG.windowSeconds()));
            for (int i = 0; i < n; i++) {
                q1[i] = new LoadForecast(CONFIG.epoch(), forecaster, CONFIG.sliceSeconds());
                q2[i] = new PlugMedians(CONFIG.windowSeconds());
            }
        }

        Instances(LoadForecast[] q1, PlugMedians[] q2, GlobalShares shares) {
            this.q1 = q1;
            this.q2 = q2;
            this.shares = shares;
        }

        static int houseOf(long house, int n) {
            return Math.floorMod(Long.hashCode(house * 31 + 7), n);
        }

        static int householdOf(long house, long household, int n) {
            return Math.floorMod(Long.hashCode((house << 32) | household), n);
        }

        void add(Measurement m) {
            q1[houseOf(m.houseId(), q1.length)].add(m.houseId(), m.householdId(), m.plugId(), m.milliValue());
            q2[householdOf(m.houseId(), m.householdId(), q2.length)]
                    .add(m.timestamp(), m.houseId(), m.householdId(), m.plugId(), (int) m.milliValue());
        }

        /** Data time moves from {@code from} to {@code to}: evaluate Q2 at from, cross Q1's boundaries. */
        void advance(long from, long to, ResultCollector out) {
            evaluateQ2(from, out);
            for (LoadForecast q : q1) q.crossBoundaries(from, to, out);
        }

        void finish(long last, ResultCollector out) {
            evaluateQ2(last, out);
        }

        private void evaluateQ2(long t, ResultCollector out) {
            for (PlugMedians part : q2) part.evaluate(t, shares::apply);
            shares.evaluate(t, out);
        }

        Instances rescale(int n) throws IOException {
            List<List<DataInput>> q1Parts = new ArrayList<>();
            List<List<DataInput>> q2Parts = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                q1Parts.add(new ArrayList<>());
                q2Parts.add(new ArrayList<>());
            }
            for (LoadForecast old : q1) {
                byte[][] parts = old.snapshotParts(n, house -> houseOf(house, n));
                for (int i = 0; i < n; i++) q1Parts.get(i).add(in(parts[i]));
            }
            for (PlugMedians old : q2) {
                byte[][] parts = old.snapshotParts(n, id -> householdOf(id.house(), id.household(), n));
                for (int i = 0; i < n; i++) q2Parts.get(i).add(in(parts[i]));
            }
            LoadForecast[] newQ1 = new LoadForecast[n];
            PlugMedians[] newQ2 = new PlugMedians[n];
            for (int i = 0; i < n; i++) {
                newQ1[i] = LoadForecast.restore(q1Parts.get(i));
                newQ2[i] = PlugMedians.restore(q2Parts.get(i));
            }
            return new Instances(newQ1, newQ2, shares);
        }

        private static DataInput in(byte[] bytes) {
            return new DataInputStream(new ByteArrayInputStream(bytes));
        }
    }
}
