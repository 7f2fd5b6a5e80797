package io.gridlet.server.cli;

import io.gridlet.core.accuracy.ForecastAccuracy;
import io.gridlet.core.accuracy.ForecastPlot;
import io.gridlet.core.accuracy.SliceLoads;
import io.gridlet.core.engine.QueryConfig;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code gridlet accuracy}: how good a run's Q1 forecasts were, against two naive forecasts. */
@Command(name = "accuracy", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Scores the Q1 forecasts of a run (its output directory OUT) against the load then measured "
                + "in the input: per slice size, for plugs and houses, MAE and RMSE (W) and sMAPE (%%) of the last "
                + "forecast Q1 made for each slice, next to two naive forecasts made at the same moment: the slice "
                + "two before's average (last-slice) and the same slice the day before (day-before; the last "
                + "slice's when there is none), and the seasonal forecaster gridlet run --forecaster seasonal would "
                + "have made (seasonal). Slices with no measured value are counted apart, not scored. "
                + "Writes OUT/accuracy.csv and OUT/accuracy-house-ID-S.svg (the busiest house's forecasts "
                + "against its load). See docs/observability.md."})
final class AccuracyCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "OUT", description = "The run's output directory (its q1-*.csv files).")
    Path out;

    @Option(names = "--input", paramLabel = "FILE",
            description = "The run's input (a DEBS'14 CSV file, .gz too). Without it: the generated data of the "
                    + "options below (gridlet run's defaults when none is given), as gridlet run generated it.")
    String input;

    @Option(names = "--epoch", defaultValue = "" + QueryConfig.DEFAULT_EPOCH,
            description = "The run's slice epoch (default: ${DEFAULT-VALUE}).")
    long epoch;

    @Option(names = "--max-lateness", defaultValue = "0",
            description = "The run's max lateness in seconds (default: ${DEFAULT-VALUE}): late readings are left "
                    + "out as the run left them out.")
    long maxLateness;

    @Option(names = "--plot-slice", paramLabel = "SECONDS", defaultValue = "900",
            description = "Slice size of the plot (default: ${DEFAULT-VALUE}).")
    int plotSlice;

    @Option(names = {"-q", "--quiet"}, description = "No progress display.")
    boolean quiet;

    @ArgGroup(validate = false, heading = "%nGenerated data (when no --input is given):%n")
    GeneratorOptions generator = new GeneratorOptions();

    @Override
    public Integer call() throws IOException {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter stderr = spec.commandLine().getErr();
        if (maxLateness < 0) throw new UserError("--max-lateness must be >= 0, got " + maxLateness);
        if (!Files.isDirectory(out)) throw new UserError(out + " is not a directory (a run's output)");
        QueryConfig queries = QueryConfig.DEFAULT.withEpoch(epoch);
        boolean known = false;
        for (int s : queries.sliceSeconds()) known |= s == plotSlice;
        if (!known) throw new UserError("--plot-slice must be one of the slice sizes 60, 300, 900, 3600, 7200");
        InputSource source;
        try {
            source = input != null ? InputSource.file(input, System.in)
                    : InputSource.generated(generator.toConfig(spec.commandLine().getParseResult()));
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        Map<Integer, SliceLoads> loads;
        try (ProgressDisplay progress = new ProgressDisplay(System.err, !quiet,
                () -> "gridlet accuracy: reading " + source.description())) {
            loads = ForecastAccuracy.measure(source.stream(), queries, maxLateness);
        }
        List<ForecastAccuracy.Row> rows;
        try {
            rows = ForecastAccuracy.evaluate(out, loads);
        } catch (IOException e) {
            throw new UserError(e.getMessage());
        }
        print(stdout, rows);
        Files.writeString(out.resolve("accuracy.csv"), ForecastAccuracy.csv(rows));
        SliceLoads plotted = loads.get(plotSlice);
        long house = ForecastPlot.busiestHouse(plotted);
        if (house >= 0) {
            Path svg = out.resolve("accuracy-house-" + house + "-" + plotSlice + ".svg");
            Files.writeString(svg, ForecastPlot.svg(plotted, ForecastAccuracy.lastForecasts(
                    out.resolve("q1-house-" + plotSlice + ".csv"), false), house));
            stderr.println("gridlet accuracy: wrote " + out.resolve("accuracy.csv") + " and " + svg);
        }
        return 0;
    }

    static void print(PrintWriter w, List<ForecastAccuracy.Row> rows) {
        w.println("forecast accuracy: last forecast per slice vs the load then measured (MAE, RMSE in W; sMAPE %)");
        w.printf(Locale.ROOT, "%-12s %8s %8s  %-23s %-23s %-23s %-23s%n", "slice", "scored", "unscored",
                "q1 (the run's)", "last-slice", "day-before", "seasonal (option)");
        for (ForecastAccuracy.Row r : rows) {
            w.printf(Locale.ROOT, "%-12s %8d %8d  %-23s %-23s %-23s %-23s%n", r.kind() + " " + r.sliceSeconds() + " s",
                    r.scored(), r.unscored(), text(r.q1()), text(r.lastSlice()), text(r.dayBefore()),
                    text(r.seasonal()));
        }
        w.flush();
    }

    private static String text(ForecastAccuracy.Score s) {
        return s.n() == 0 ? "-" : String.format(Locale.ROOT, "%.1f %.1f %.1f%%", s.mae(), s.rmse(), s.smape());
    }
}
