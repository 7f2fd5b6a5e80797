package io.gridlet.server.cli;

import io.gridlet.core.generate.GeneratorConfig;
import picocli.CommandLine.Option;

/** The shape of generated data, shared by {@code run} and {@code generate}. Defaults: GeneratorConfig.defaults(). */
public final class GeneratorOptions {
    private static final GeneratorConfig D = GeneratorConfig.defaults();

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

    GeneratorConfig toConfig() {
        return GeneratorConfig.builder().seed(seed)
                .layout(houses, households, plugs)
                .span(days, interval, start)
                .gaps(dropRate, outageRate, gapMinutes)
                .badLines(malformedRate, D.extraDecimalsRate())
                .build();
    }
}
