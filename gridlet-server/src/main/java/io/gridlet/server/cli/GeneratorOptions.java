package io.gridlet.server.cli;

import io.gridlet.core.generate.GeneratorConfig;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.util.List;

/**
 * The shape of generated data, shared by {@code run}, {@code generate}, {@code meter} and {@code accuracy} (ignored
 * when they read a file). Defaults: GeneratorConfig.defaults().
 */
public final class GeneratorOptions {
    private static final GeneratorConfig D = GeneratorConfig.defaults();

    enum Shape { standard, output_heavy }

    /** What the output-heavy preset sets. */
    private static final List<String> PRESET_SETS = List.of("--houses", "--households", "--plugs", "--interval",
            "--drop-rate", "--outage-rate", "--gap-minutes", "--malformed-rate");

    @Option(names = "--shape", paramLabel = "SHAPE", converter = ShapeConverter.class,
            description = "standard (as the layout and rate options say), or output-heavy: 240 plugs (10 houses x 4 "
                    + "households x 6) each every 8 s at its own offset, 5 %% dropped, outages, no gap, no bad lines; "
                    + "about 0.7 result lines per input line. --seed, --days and --start still apply (default: "
                    + "standard).")
    Shape shape = Shape.standard;

    @Option(names = "--seed", description = "Random seed; same seed, same data (default: ${DEFAULT-VALUE}).")
    long seed = D.seed();

    @Option(names = "--houses", description = "Houses (default: ${DEFAULT-VALUE}).")
    int houses = D.houses();

    @Option(names = "--households", description = "Households per house (default: ${DEFAULT-VALUE}).")
    int households = D.households();

    @Option(names = "--plugs", description = "Plugs per household (default: ${DEFAULT-VALUE}).")
    int plugs = D.plugs();

    @Option(names = "--days", description = "Days of data, may be fractional (default: ${DEFAULT-VALUE}).")
    double days = D.days();

    @Option(names = "--interval", description = "Seconds between two readings of a plug (default: ${DEFAULT-VALUE}).")
    int interval = D.intervalSeconds();

    @Option(names = "--start", description = "Timestamp of the first reading (default: ${DEFAULT-VALUE}).")
    long start = D.start();

    @Option(names = "--drop-rate", description = "Probability that a reading is missing (default: ${DEFAULT-VALUE}).")
    double dropRate = D.dropRate();

    @Option(names = "--outage-rate", description = "Probability per plug and day of a 10 min - 3 h outage (default: ${DEFAULT-VALUE}).")
    double outageRate = D.outageRate();

    @Option(names = "--gap-minutes", description = "One gap with no readings at all, mid-way (default: ${DEFAULT-VALUE}).")
    int gapMinutes = D.gapMinutes();

    @Option(names = "--malformed-rate", description = "Probability of inserting a bad line before a good one (default: ${DEFAULT-VALUE}).")
    double malformedRate = D.malformedRate();

    /** The options as a configuration; {@code given}: what the command line said (a preset refuses what it sets). */
    GeneratorConfig toConfig(CommandLine.ParseResult given) {
        if (shape == Shape.output_heavy) {
            List<String> set = PRESET_SETS.stream().filter(given::hasMatchedOption).toList();
            if (!set.isEmpty()) {
                throw new UserError("--shape output-heavy sets the layout, the interval and the rates: leave out "
                        + String.join(", ", set) + ", or use --shape standard");
            }
            return GeneratorConfig.outputHeavy(seed, days, start);
        }
        return GeneratorConfig.builder().seed(seed)
                .layout(houses, households, plugs)
                .span(days, interval, start)
                .gaps(dropRate, outageRate, gapMinutes)
                .badLines(malformedRate, D.extraDecimalsRate())
                .build();
    }

    /** {@code standard} or {@code output-heavy}. */
    static final class ShapeConverter implements CommandLine.ITypeConverter<Shape> {
        @Override
        public Shape convert(String value) {
            return switch (value) {
                case "standard" -> Shape.standard;
                case "output-heavy" -> Shape.output_heavy;
                default -> throw new CommandLine.TypeConversionException(
                        "'" + value + "' is not a shape: standard or output-heavy");
            };
        }
    }
}
