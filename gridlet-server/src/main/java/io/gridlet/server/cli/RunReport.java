package io.gridlet.server.cli;

import io.gridlet.core.accuracy.ForecastAccuracy;
import io.gridlet.core.csv.Rejection;
import io.gridlet.core.csv.Rejections;
import io.gridlet.core.engine.QueryConfig;
import io.gridlet.core.engine.Replay;
import io.gridlet.flink.FlinkRun;
import io.gridlet.flink.operators.GateCounts;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/** The end-of-run report, the same for both engines, and the rejections file. */
final class RunReport {
    private RunReport() {
    }

    /** The summary of a Flink run, from its counts. */
    static Replay.Summary of(FlinkRun.Outcome outcome) {
        GateCounts c = outcome.counts();
        return new Replay.Summary(c.lines(), -1, c.loads(), c.works(), c.rounded(), c.firstTime(), c.dataTime(),
                c.rejections(), outcome.nanos());
    }

    /** The rejected lines: counts by reason and the examples kept; the rest are in {@code details}. */
    static void printRejections(PrintWriter o, Rejections rejections, Path details) {
        long rejected = rejections.total();
        StringBuilder reasons = new StringBuilder();
        rejections.counts().forEach((reason, count) -> reasons.append(reasons.length() == 0 ? "" : ", ")
                .append(reason.label()).append(' ').append(Figures.count(count)));
        o.printf("rejected  %s%s%n", Figures.count(rejected), rejected == 0 ? "" : " (" + reasons + ")");
        for (Rejection r : rejections.examples()) o.println("          " + r);
        if (rejected > rejections.examples().size()) o.println("          ... the rest are counted in " + details);
    }

    static void writeRejections(Replay.Summary s, Path out) throws IOException {
        try (Writer w = Files.newBufferedWriter(out.resolve("rejections.txt"), StandardCharsets.US_ASCII)) {
            s.rejections().writeTo(w);
        }
    }

    static void print(PrintWriter o, Replay.Summary s, Map<String, Long> written, Path out) {
        o.printf("read      %s lines in %s (%s)%n", Figures.count(s.lines()), Figures.seconds(s.nanos()),
                Figures.rate(s.lines(), s.nanos()));
        o.printf("readings  %s load, %s work, %s rounded to 0.001%n", Figures.count(s.loads()),
                Figures.count(s.works()), Figures.count(s.rounded()));
        o.printf("data time %s .. %s%n", Figures.dataTime(s.dataTimeStart()), Figures.dataTime(s.dataTimeEnd()));
        printRejections(o, s.rejections(), out.resolve("rejections.txt"));
        o.printf("wrote     %s%n", out.toAbsolutePath().normalize());
        written.forEach((name, lines) -> o.printf("          %-18s %s lines%n", name, Figures.count(lines)));
        o.flush();
    }

    /** The slice size of the accuracy line in a run's summary (the rest: {@code gridlet accuracy}). */
    static final int ACCURACY_SLICE = 900;
    /** Inputs larger than this get no accuracy line (gridlet accuracy has it). */
    static final long ACCURACY_MAX_BYTES = 512L << 20;

    /**
     * One line of how good the run's house forecasts at {@link #ACCURACY_SLICE} s were ({@code gridlet accuracy}
     * has the rest): read from {@code input} again; nothing when it cannot be read again (standard input), a
     * pointer to {@code gridlet accuracy} for a file of more than 512 MiB.
     */
    static void printAccuracy(PrintWriter o, InputSource input, Path out, QueryConfig queries, long maxLateness) {
        if (input == null) return;
        if (input.size() > ACCURACY_MAX_BYTES) { // (reading it all again, and its slices in memory: not here)
            o.println("accuracy  gridlet accuracy " + out + " --input ... scores the forecasts");
            return;
        }
        try {
            QueryConfig one = new QueryConfig(queries.epoch(), new int[] {ACCURACY_SLICE}, queries.windowSeconds(),
                    queries.forecaster());
            io.gridlet.core.accuracy.SliceLoads loads = ForecastAccuracy.measure(input.stream(), one, maxLateness)
                    .get(ACCURACY_SLICE);
            ForecastAccuracy.Row r = ForecastAccuracy.score(ForecastAccuracy.lastForecasts(
                    out.resolve("q1-house-" + ACCURACY_SLICE + ".csv"), false), loads, "house");
            if (r.scored() == 0) return;
            o.printf(Locale.ROOT, "accuracy  house forecasts, %d s slices: MAE %.1f W, sMAPE %.1f %% (last slice %.1f W, "
                            + "day before %.1f W, seasonal %.1f W); more: gridlet accuracy %s%n", ACCURACY_SLICE,
                    r.q1().mae(), r.q1().smape(), r.lastSlice().mae(), r.dayBefore().mae(), r.seasonal().mae(), out);
        } catch (IOException | RuntimeException e) {
            o.println("accuracy  not scored: " + e.getMessage());
        }
    }
}
