package io.gridlet.core.generate;

/**
 * The shape of a generated data set: houses → households → plugs, how long and how often, and how imperfect.
 *
 * @param seed            same seed, same data
 * @param houses          number of houses
 * @param households      households per house
 * @param plugs           plugs per household
 * @param days            length in days (may be fractional)
 * @param intervalSeconds seconds between two readings of a plug
 * @param start           timestamp of the first interval
 * @param dropRate        probability that a single reading is missing
 * @param outageRate      probability per plug and day that the plug is silent for 10 minutes to 3 hours
 * @param gapMinutes      length of one gap in the middle of the data with no readings at all (0 = none)
 * @param malformedRate   probability that a line is replaced by a bad one (field count, number, property,
 *                        negative load or late timestamp)
 * @param extraDecimalsRate probability that a value is written with five decimals (exercises rounding)
 */
public record GeneratorConfig(long seed, int houses, int households, int plugs, double days, int intervalSeconds,
                              long start, double dropRate, double outageRate, int gapMinutes,
                              double malformedRate, double extraDecimalsRate) {

    /** The default start: one second after the spec's epoch, like the DEBS'14 set. */
    public static final long DEFAULT_START = 1_377_986_401L;

    public GeneratorConfig {
        require(houses > 0 && households > 0 && plugs > 0, "houses, households and plugs must be > 0");
        require(days > 0, "days must be > 0");
        require(intervalSeconds > 0, "interval must be > 0 s");
        require(start >= 0 && start <= 0xFFFF_FFFFL, "start must be an unsigned 32-bit timestamp");
        require(rate(dropRate) && rate(outageRate) && rate(malformedRate) && rate(extraDecimalsRate),
                "rates must be in [0, 1]");
        require(gapMinutes >= 0, "gap must be >= 0 minutes");
    }

    /** A small, clean default: 3 days, 40 plugs, a reading every 5 s, a few gaps and no bad lines. */
    public static GeneratorConfig defaults() {
        return builder().build();
    }

    /** A builder starting from {@link #defaults()}. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a configuration by named parts; each starts at its {@link #defaults()} value. */
    public static final class Builder {
        private long seed = 42;
        private int houses = 5, households = 2, plugs = 4;
        private double days = 3;
        private int intervalSeconds = 5;
        private long start = DEFAULT_START;
        private double dropRate = 0.01, outageRate = 0.05;
        private int gapMinutes = 40;
        private double malformedRate = 0.0, extraDecimalsRate = 0.001;

        private Builder() {
        }

        public Builder seed(long value) {
            seed = value;
            return this;
        }

        /** {@code houses} houses of {@code households} households of {@code plugs} plugs each. */
        public Builder layout(int houses, int households, int plugs) {
            this.houses = houses;
            this.households = households;
            this.plugs = plugs;
            return this;
        }

        /** {@code days} of data from {@code start}, a reading per plug every {@code intervalSeconds}. */
        public Builder span(double days, int intervalSeconds, long start) {
            this.days = days;
            this.intervalSeconds = intervalSeconds;
            this.start = start;
            return this;
        }

        /** {@code days} of data from the default start, a reading per plug every {@code intervalSeconds}. */
        public Builder span(double days, int intervalSeconds) {
            return span(days, intervalSeconds, DEFAULT_START);
        }

        /** Readings that go missing: single drops, and outages of up to {@code gapMinutes}. */
        public Builder gaps(double dropRate, double outageRate, int gapMinutes) {
            this.dropRate = dropRate;
            this.outageRate = outageRate;
            this.gapMinutes = gapMinutes;
            return this;
        }

        /** Lines that do not parse, and loads written with more than three decimals. */
        public Builder badLines(double malformedRate, double extraDecimalsRate) {
            this.malformedRate = malformedRate;
            this.extraDecimalsRate = extraDecimalsRate;
            return this;
        }

        public GeneratorConfig build() {
            return new GeneratorConfig(seed, houses, households, plugs, days, intervalSeconds, start, dropRate,
                    outageRate, gapMinutes, malformedRate, extraDecimalsRate);
        }
    }

    /**
     * Output-heavy data: 10 houses of 4 households of 6 plugs (240), each plug every 8 s at its own offset, 5 % of
     * readings dropped and outages, no gap, no bad lines. Nearly every second has readings of a few plugs, so Q1
     * and Q2 emit about 0.7 result lines per input line (the default data: about 0.5; DEBS-shaped: under 0.1).
     */
    public static GeneratorConfig outputHeavy(long seed, double days, long start) {
        return builder().seed(seed).layout(10, 4, 6).span(days, 8, start).gaps(0.05, 0.05, 0).badLines(0.0, 0.0)
                .build();
    }

    public int plugCount() {
        return houses * households * plugs;
    }

    /** Number of intervals generated. */
    public long intervals() {
        return (long) Math.ceil(days * 86_400 / intervalSeconds);
    }

    /** Upper bound on lines (a load and a work reading per plug per interval), for progress display. */
    public long maxLines() {
        return intervals() * plugCount() * 2;
    }

    public GeneratorConfig withSeed(long newSeed) {
        return new GeneratorConfig(newSeed, houses, households, plugs, days, intervalSeconds, start, dropRate,
                outageRate, gapMinutes, malformedRate, extraDecimalsRate);
    }

    public GeneratorConfig withMalformedRate(double rate) {
        return new GeneratorConfig(seed, houses, households, plugs, days, intervalSeconds, start, dropRate,
                outageRate, gapMinutes, rate, extraDecimalsRate);
    }

    private static boolean rate(double r) {
        return r >= 0 && r <= 1;
    }

    private static void require(boolean ok, String message) {
        if (!ok) throw new IllegalArgumentException(message);
    }
}
