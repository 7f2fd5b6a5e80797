package io.gridlet.core.accuracy;

import io.gridlet.core.engine.QueryConfig;
import io.gridlet.core.engine.Replay;
import io.gridlet.core.generate.GeneratedInput;
import io.gridlet.core.generate.GeneratorConfig;
import io.gridlet.core.generate.MeasurementGenerator;
import io.gridlet.core.result.ResultFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * {@code gridlet accuracy}'s figures against a naive recomputation: every reading's load summed by brute force into
 * (plug, slice) averages, every Q1 line's last forecast kept by scanning the file, the errors summed in plain loops;
 * on generated data with a fixed seed, plus the edge cases (a slice with no reading, zero loads).
 */
class ForecastAccuracyTest {
    @TempDir
    Path dir;

    @Test
    void agreesWithANaiveRecomputationOnGeneratedData() throws IOException {
        GeneratorConfig shape = GeneratorConfig.builder().seed(11).layout(3, 2, 2).span(1.3, 20)
                .gaps(0.02, 0.1, 40).badLines(0.0, 0.0).build();
        byte[] csv = csv(shape);
        Path out = dir.resolve("out");
        try (ResultFiles files = new ResultFiles(out, QueryConfig.DEFAULT)) {
            new Replay(QueryConfig.DEFAULT, 0).run(new ByteArrayInputStream(csv), files);
        }
        List<ForecastAccuracy.Row> rows = ForecastAccuracy.evaluate(out, ForecastAccuracy.measure(
                new ByteArrayInputStream(csv), QueryConfig.DEFAULT, 0));
        assertThat(rows).hasSize(10);

        // the oracle: every line of the input, every line of the outputs, nothing shared with the code under test
        Map<String, double[]> sums = new HashMap<>(); // "S house,household,plug slice"
        for (String line : new String(csv, StandardCharsets.US_ASCII).split("\n")) {
            String[] f = line.split(",");
            if (!f[3].equals("1")) continue; // work
            long ts = Long.parseLong(f[1]);
            for (int s : QueryConfig.DEFAULT_SLICES) {
                long slice = Math.floorDiv(ts - QueryConfig.DEFAULT_EPOCH, s);
                double[] acc = sums.computeIfAbsent(s + " " + f[6] + "," + f[5] + "," + f[4] + " " + slice,
                        k -> new double[2]);
                acc[0] += Double.parseDouble(f[2]);
                acc[1]++;
            }
        }
        Map<String, Double> actual = new HashMap<>(); // plugs by "S house,household,plug slice", houses "S house slice"
        sums.forEach((k, acc) -> {
            actual.put(k, acc[0] / acc[1]);
            String[] p = k.split(" ");
            actual.merge(p[0] + " " + p[1].split(",")[0] + " " + p[2], acc[0] / acc[1], Double::sum);
        });
        for (ForecastAccuracy.Row row : rows) {
            int s = row.sliceSeconds();
            boolean plugs = row.kind().equals("plug");
            Map<String, Double> last = new LinkedHashMap<>();
            List<String> lines = Files.readAllLines(out.resolve("q1-" + row.kind() + "-" + s + ".csv"));
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.split(",");
                String id = plugs ? f[1] + "," + f[2] + "," + f[3] : f[1];
                last.put(id + " " + (Long.parseLong(f[0]) - QueryConfig.DEFAULT_EPOCH) / s,
                        Double.parseDouble(f[f.length - 1]));
            }
            List<double[]> q1 = new ArrayList<>(), lastSlice = new ArrayList<>(), dayBefore = new ArrayList<>();
            long unscored = 0;
            for (Map.Entry<String, Double> e : last.entrySet()) {
                String id = e.getKey().split(" ")[0];
                long slice = Long.parseLong(e.getKey().split(" ")[1]);
                Double a = actual.get(s + " " + id + " " + slice);
                if (a == null) {
                    unscored++;
                    continue;
                }
                Double before = actual.get(s + " " + id + " " + (slice - 2));
                Double day = actual.get(s + " " + id + " " + (slice - 86_400 / s));
                q1.add(new double[] {e.getValue(), a});
                lastSlice.add(new double[] {before, a});
                dayBefore.add(new double[] {day != null ? day : before, a});
            }
            assertThat(row.scored()).as("%s %d", row.kind(), s).isEqualTo(q1.size()).isPositive();
            assertThat(row.unscored()).isEqualTo(unscored);
            assertSame(row.q1(), q1);
            assertSame(row.lastSlice(), lastSlice);
            assertSame(row.dayBefore(), dayBefore);
        }
        // the data spans more than a day: the day-before forecast differs from the last slice's somewhere
        assertThat(rows).anySatisfy(r -> assertThat(r.dayBefore().mae()).isNotEqualTo(r.lastSlice().mae()));
    }

    @Test
    void theSeasonalColumnIsWhatARunWithTheSeasonalForecasterForecasts() throws IOException {
        GeneratorConfig shape = GeneratorConfig.builder().seed(12).layout(2, 2, 2).span(2.5, 30)
                .gaps(0.02, 0.1, 40).badLines(0.0, 0.0).build();
        byte[] csv = csv(shape);
        QueryConfig seasonal = QueryConfig.DEFAULT.withForecaster(io.gridlet.core.q1.Forecaster.SEASONAL);
        Path out = dir.resolve("seasonal");
        try (ResultFiles files = new ResultFiles(out, seasonal)) {
            new Replay(seasonal, 0).run(new ByteArrayInputStream(csv), files);
        }
        for (ForecastAccuracy.Row row : ForecastAccuracy.evaluate(out, ForecastAccuracy.measure(
                new ByteArrayInputStream(csv), seasonal, 0))) {
            // the run's forecasts are printed with 3 decimals: the simulation agrees to that
            assertThat(row.q1().mae()).as("%s %d", row.kind(), row.sliceSeconds())
                    .isCloseTo(row.seasonal().mae(), within(1e-3));
            assertThat(row.q1().rmse()).isCloseTo(row.seasonal().rmse(), within(1e-3));
        }
    }

    private static byte[] csv(GeneratorConfig shape) throws IOException {
        try (InputStream in = new GeneratedInput(new MeasurementGenerator(shape))) {
            return in.readAllBytes();
        }
    }

    private static void assertSame(ForecastAccuracy.Score score, List<double[]> pairs) {
        double abs = 0, sq = 0, sym = 0;
        for (double[] p : pairs) {
            abs += Math.abs(p[0] - p[1]);
            sq += (p[0] - p[1]) * (p[0] - p[1]);
            sym += p[0] == 0 && p[1] == 0 ? 0 : 200 * Math.abs(p[0] - p[1]) / (Math.abs(p[0]) + Math.abs(p[1]));
        }
        assertThat(score.n()).isEqualTo(pairs.size());
        // Q1 prints 3 decimals (rounded): the scores agree with the oracle's to that
        assertThat(score.mae()).isCloseTo(abs / pairs.size(), within(1e-3));
        assertThat(score.rmse()).isCloseTo(Math.sqrt(sq / pairs.size()), within(1e-3));
        assertThat(score.smape()).isCloseTo(sym / pairs.size(), within(1e-3));
    }

    @Test
    void aSliceWithoutReadingsIsCountedApartAndZeroLoadsScoreNoSmape() throws IOException {
        // 60 s slices: plug 0/0/0 reads 0 W in slices 0 and 2, plug 1/0/0 reads 100 W in slices 0 and 2
        String csv = String.join("\n",
                "1,1377986400,0.000,1,0,0,0",
                "2,1377986401,100.000,1,0,0,1",
                "4,1377986520,100.000,1,0,0,1",
                "5,1377986521,0.000,1,0,0,0") + "\n";
        Path out = dir.resolve("edge");
        Files.createDirectories(out);
        for (int s : QueryConfig.DEFAULT_SLICES) {
            Files.writeString(out.resolve("q1-plug-" + s + ".csv"), "ts,house_id,household_id,plug_id,predicted_load\n"
                    + (s == 60 ? "1377986520,0,0,0,0.000\n1377986520,1,0,0,50.000\n1377986520,1,0,0,90.000\n" : ""));
            Files.writeString(out.resolve("q1-house-" + s + ".csv"), "ts,house_id,predicted_load\n"
                    + (s == 60 ? "1377986520,0,0.000\n1377986520,1,100.000\n1377986580,1,100.000\n" : ""));
        }
        List<ForecastAccuracy.Row> rows = ForecastAccuracy.evaluate(out, ForecastAccuracy.measure(
                new ByteArrayInputStream(csv.getBytes(StandardCharsets.US_ASCII)), QueryConfig.DEFAULT, 0));
        ForecastAccuracy.Row plugs = rows.get(0), houses = rows.get(1);
        assertThat(plugs.sliceSeconds()).isEqualTo(60);
        assertThat(plugs.scored()).isEqualTo(2); // of plug 1/0/0's two forecasts, the last counts
        assertThat(plugs.unscored()).isZero();
        assertThat(plugs.q1().mae()).isCloseTo(5, within(1e-9)); // |0 - 0| and |90 - 100|
        assertThat(plugs.q1().smape()).isCloseTo((0 + 200.0 * 10 / 190) / 2, within(1e-9)); // 0 against 0 scores 0
        assertThat(plugs.lastSlice().mae()).isZero(); // slice 0 read what slice 2 read
        assertThat(houses.scored()).isEqualTo(2);
        assertThat(houses.unscored()).isEqualTo(1); // slice 3: no reading of house 1, not scored
    }
}
