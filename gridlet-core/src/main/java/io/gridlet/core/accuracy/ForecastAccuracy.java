package io.gridlet.core.accuracy;

import io.gridlet.core.csv.MeasurementReader;
import io.gridlet.core.engine.OrderGate;
import io.gridlet.core.engine.QueryConfig;
import io.gridlet.core.model.Measurement;
import io.gridlet.core.q1.SeasonalSmoothing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * How good Q1's forecasts are ({@code gridlet accuracy}): for each slice size, for plugs and for houses, the error of
 * the last {@code predicted_load} Q1 gave for each slice (made at the end of the slice two before, once the data
 * crossed it) against the average load then measured in that slice ({@link SliceLoads}: the same average Q1
 * computes), next to two naive forecasts made at the same moment: the slice two before's own average ("last
 * slice", what Q1 adds its median to) and the same slice the day before ("day before", or the last slice's average
 * when there is no day before); and the option beside the spec's predictor, {@link SeasonalSmoothing}, fitted on
 * the measured slices as a job would fit it ("seasonal"). Slices without a measured value are counted apart
 * ({@link Row#unscored()}), not scored. Errors: MAE and RMSE in W, sMAPE in % ({@code 200·|f−a| / (|f|+|a|)}, 0 when both are 0).
 */
public final class ForecastAccuracy {
    private ForecastAccuracy() {
    }

    /** Errors of one forecaster over {@code n} forecasts. */
    public record Score(long n, double mae, double rmse, double smape) {
    }

    /** One slice size and kind (plug or house): how many forecasts were scored, and each forecaster's errors. */
    public record Row(int sliceSeconds, String kind, long scored, long unscored, Score q1, Score lastSlice,
                      Score dayBefore, Score seasonal) {
    }

    /** Sums of errors, made into a {@link Score}. */
    public static final class Errors {
        private long n;
        private double abs, squared, symmetric;

        public void add(double forecast, double actual) {
            double e = forecast - actual;
            n++;
            abs += Math.abs(e);
            squared += e * e;
            double scale = Math.abs(forecast) + Math.abs(actual);
            symmetric += scale == 0 ? 0 : 2 * Math.abs(e) / scale;
        }

        public Score score() {
            return n == 0 ? new Score(0, Double.NaN, Double.NaN, Double.NaN)
                    : new Score(n, abs / n, Math.sqrt(squared / n), 100 * symmetric / n);
        }
    }

    /**
     * The measured loads of the readings Q1 took, for every slice size of {@code config}: the valid readings of a
     * DEBS'14 CSV file through the same order gate ({@code maxLateness}), so late ones count as Q1 counted them.
     */
    public static Map<Integer, SliceLoads> measure(InputStream readings, QueryConfig config, long maxLateness)
            throws IOException {
        Map<Integer, SliceLoads> loads = new LinkedHashMap<>();
        for (int s : config.sliceSeconds()) loads.put(s, new SliceLoads(config.epoch(), s));
        Consumer<Measurement> add = m -> loads.values().forEach(l -> l.add(m));
        OrderGate gate = new OrderGate(maxLateness, (line, reason, message, text) -> { });
        try (MeasurementReader reader = new MeasurementReader(readings, (line, reason, message, text) -> { })) {
            for (Measurement m = reader.next(); m != null; m = reader.next()) gate.offer(m, reader.lineNumber(), add);
        }
        gate.flush(add);
        return loads;
    }

    /** Scores every Q1 file of {@code outDir} (plugs and houses, each slice size) against {@code loads}. */
    public static List<Row> evaluate(Path outDir, Map<Integer, SliceLoads> loads) throws IOException {
        List<Row> rows = new ArrayList<>();
        for (SliceLoads l : loads.values()) {
            for (String kind : new String[] {"plug", "house"}) {
                Path file = outDir.resolve("q1-" + kind + "-" + l.sliceSeconds() + ".csv");
                if (!Files.exists(file)) throw new IOException("no " + file + " (is " + outDir + " a run's output?)");
                rows.add(score(lastForecasts(file, kind.equals("plug")), l, kind));
            }
        }
        return rows;
    }

    /** The rows as CSV: slice size, kind, forecaster, forecasts scored, unscored, MAE, RMSE, sMAPE. */
    public static String csv(List<Row> rows) {
        StringBuilder b = new StringBuilder("slice_seconds,kind,forecaster,scored,unscored,mae_w,rmse_w,smape_pct\n");
        for (Row r : rows) {
            for (Map.Entry<String, Score> f : Map.of("q1", r.q1(), "last-slice", r.lastSlice(), "day-before",
                    r.dayBefore(), "seasonal", r.seasonal()).entrySet().stream().sorted(Map.Entry.comparingByKey())
                    .toList()) {
                Score s = f.getValue();
                b.append(String.format(java.util.Locale.ROOT, "%d,%s,%s,%d,%d,%.3f,%.3f,%.3f%n", r.sliceSeconds(),
                        r.kind(), f.getKey(), s.n(), r.unscored(), s.mae(), s.rmse(), s.smape()));
            }
        }
        return b.toString();
    }

    /** An entity (a plug's ids, or a house id) and the start of a predicted slice. */
    public record Target(long house, long household, long plug, long ts) {
    }

    /** The last forecast of each entity and slice in a Q1 file, in the file's order. */
    public static Map<Target, Double> lastForecasts(Path file, boolean plugs) throws IOException {
        Map<Target, Double> last = new LinkedHashMap<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.US_ASCII)) {
            String line = in.readLine(); // header
            long n = 1;
            while ((line = in.readLine()) != null) {
                n++;
                String[] f = line.split(",");
                try {
                    if (f.length != (plugs ? 5 : 3)) throw new NumberFormatException("columns");
                    Target t = plugs ? new Target(Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]),
                            Long.parseLong(f[0])) : new Target(Long.parseLong(f[1]), -1, -1, Long.parseLong(f[0]));
                    last.remove(t); // (so the order is that of the last forecast)
                    last.put(t, Double.parseDouble(f[plugs ? 4 : 2]));
                } catch (NumberFormatException e) {
                    throw new IOException(file + " line " + n + " is not a Q1 line: " + line);
                }
            }
        }
        return last;
    }

    /** Scores the last forecasts of one Q1 file ({@link #lastForecasts}) of {@code kind} (plug or house). */
    public static Row score(Map<Target, Double> forecasts, SliceLoads loads, String kind) {
        Errors q1 = new Errors(), lastSlice = new Errors(), dayBefore = new Errors(), seasonal = new Errors();
        long unscored = 0;
        Map<Target, Double> smoothed = seasonal(forecasts.keySet(), loads);
        for (Map.Entry<Target, Double> e : forecasts.entrySet()) {
            Target t = e.getKey();
            long slice = loads.slice(t.ts());
            double actual = actual(loads, t, slice);
            if (Double.isNaN(actual)) {
                unscored++;
                continue;
            }
            double last = actual(loads, t, slice - 2);
            double day = actual(loads, t, slice - loads.perDay());
            q1.add(e.getValue(), actual);
            if (!Double.isNaN(last)) lastSlice.add(last, actual);
            dayBefore.add(Double.isNaN(day) ? (Double.isNaN(last) ? 0 : last) : day, actual);
            double s = smoothed.getOrDefault(t, Double.NaN);
            seasonal.add(Double.isNaN(s) ? (Double.isNaN(last) ? 0 : last) : s, actual);
        }
        return new Row(loads.sliceSeconds(), kind, q1.score().n(), unscored, q1.score(), lastSlice.score(),
                dayBefore.score(), seasonal.score());
    }

    /**
     * What {@link SeasonalSmoothing} forecasts for each target, fitted online on the entity's measured slices as
     * the job would fit it: the forecast of slice {@code t} from the slices up to {@code t - 2}.
     */
    static Map<Target, Double> seasonal(java.util.Collection<Target> targets, SliceLoads loads) {
        Map<Target, List<Target>> byEntity = new LinkedHashMap<>();
        for (Target t : targets) {
            byEntity.computeIfAbsent(new Target(t.house(), t.household(), t.plug(), 0), k -> new ArrayList<>()).add(t);
        }
        Map<Target, Double> forecasts = new java.util.HashMap<>();
        int slots = (int) loads.perDay();
        byEntity.forEach((entity, list) -> {
            list.sort(java.util.Comparator.comparingLong(Target::ts));
            long[] slices = (entity.household() < 0 ? loads.slicesOf(entity.house())
                    : loads.slicesOf(new SliceLoads.Plug(entity.house(), entity.household(), entity.plug())))
                    .stream().mapToLong(Long::longValue).sorted().toArray();
            SeasonalSmoothing model = new SeasonalSmoothing(slots);
            int next = 0;
            for (Target t : list) {
                long target = loads.slice(t.ts());
                while (next < slices.length && slices[next] <= target - 2) {
                    long s = slices[next++];
                    // (the job keeps the slices from the epoch on only, as Q1's history does)
                    if (s >= 0) model.add((int) Math.floorMod(s, (long) slots), actual(loads, entity, s));
                }
                // made at the end of the slice two before, with its average (the job's current slice then)
                forecasts.put(t, model.predict(actual(loads, entity, target - 2),
                        (int) Math.floorMod(target, (long) slots)));
            }
        });
        return forecasts;
    }

    private static double actual(SliceLoads loads, Target t, long slice) {
        return t.household() < 0 ? loads.house(t.house(), slice)
                : loads.plug(new SliceLoads.Plug(t.house(), t.household(), t.plug()), slice);
    }
}
