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
        return new GeneratorConfig(42, 5, 2, 4, 3, 5, DEFAULT_START, 0.01, 0.05, 40, 0.0, 0.001);
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
