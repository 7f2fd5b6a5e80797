package io.gridlet.core.generate;

import io.gridlet.core.model.Milli;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Generates a DEBS'14-shaped stream of CSV lines, in timestamp order: every plug reports a work and a load
 * reading once per interval, at its own offset inside the interval, following the daily profile of its
 * {@link Appliance} with noise. Readings go missing (single drops, per-plug outages, one gap with no readings
 * at all) and, if asked, bad lines of every kind are inserted between the good ones. Inserted bad lines never
 * replace good ones, so the same seed gives the same valid readings whatever the malformed rate.
 * Deterministic for a given {@link GeneratorConfig}.
 */
public final class MeasurementGenerator {
    private static final Appliance[] APPLIANCES = Appliance.values();

    private final GeneratorConfig config;
    private final SplittableRandom random;
    private final SplittableRandom badLines; // separate stream: bad lines do not disturb the good ones
    private final int plugCount;
    private final int[] order;          // plugs by offset inside the interval
    private final int[] offset;         // seconds into the interval
    private final Appliance[] appliance;
    private final double[] phase;
    private final double[] scale;
    private final long[] workWh;        // cumulative work in Wh (= thousandths of kWh)
    private final long[] outageStart;   // silent from this timestamp ...
    private final long[] outageEnd;     // ... until this one
    private final long intervals;
    private final long gapStart;
    private final long gapEnd;

    private long interval;       // current interval
    private int position;        // index into order
    private boolean loadNext;    // the work reading of the current plug was written, the load is next
    private long nextId;
    private long lastTs = Long.MIN_VALUE;
    private long lines;
    private boolean pendingGood; // a bad line was just written in front of a good one

    public MeasurementGenerator(GeneratorConfig config) {
        this.config = config;
        this.random = new SplittableRandom(config.seed());
        this.badLines = random.split();
        this.plugCount = config.plugCount();
        this.offset = new int[plugCount];
        this.appliance = new Appliance[plugCount];
        this.phase = new double[plugCount];
        this.scale = new double[plugCount];
        this.workWh = new long[plugCount];
        this.outageStart = new long[plugCount];
        this.outageEnd = new long[plugCount];
        Integer[] byOffset = new Integer[plugCount];
        for (int p = 0; p < plugCount; p++) {
            offset[p] = random.nextInt(config.intervalSeconds());
            appliance[p] = APPLIANCES[random.nextInt(APPLIANCES.length)];
            phase[p] = random.nextDouble();
            scale[p] = 0.7 + 0.6 * random.nextDouble();
            workWh[p] = random.nextInt(100_000);
            byOffset[p] = p;
        }
        Arrays.sort(byOffset, (a, b) -> offset[a] != offset[b] ? Integer.compare(offset[a], offset[b])
                : Integer.compare(a, b));
        this.order = Arrays.stream(byOffset).mapToInt(Integer::intValue).toArray();
        this.intervals = config.intervals();
        long middle = config.start() + (long) (config.days() * 86_400 / 2);
        this.gapStart = middle;
        this.gapEnd = middle + config.gapMinutes() * 60L;
    }

    public GeneratorConfig config() {
        return config;
    }

    /** Lines produced so far (good and bad). */
    public long lines() {
        return lines;
    }

    /** Appends the next line, without its newline; returns false at the end. */
    public boolean nextLine(StringBuilder sb) {
        while (interval < intervals) {
            if (position == 0 && !loadNext && !pendingGood) startInterval();
            int p = order[position];
            long ts = config.start() + interval * config.intervalSeconds() + offset[p];
            if (!pendingGood) {
                boolean silent = (ts >= outageStart[p] && ts < outageEnd[p]) || (ts >= gapStart && ts < gapEnd);
                if (silent || (!loadNext && random.nextDouble() < config.dropRate())) {
                    advancePlug();
                    continue;
                }
                if (config.malformedRate() > 0 && lastTs != Long.MIN_VALUE
                        && badLines.nextDouble() < config.malformedRate()) {
                    writeBadLine(sb, p, ts);
                    pendingGood = true;
                    lines++;
                    return true;
                }
            }
            pendingGood = false;
            if (!loadNext) {
                double watts = watts(p, ts);
                workWh[p] += Math.round(watts * config.intervalSeconds() / 3600.0);
                writeLine(sb, nextId++, ts, workWh[p] * 100, 0, p);
                loadNext = true;
            } else {
                writeLine(sb, nextId++, ts, Math.round(watts(p, ts) * 100_000), 1, p);
                advancePlug();
            }
            lastTs = ts;
            lines++;
            return true;
        }
        return false;
    }

    private void startInterval() {
        long secondInDays = interval * config.intervalSeconds();
        long previous = secondInDays - config.intervalSeconds();
        if (interval == 0 || secondInDays / 86_400 != previous / 86_400) { // a new day: draw outages
            for (int p = 0; p < plugCount; p++) {
                if (random.nextDouble() < config.outageRate()) {
                    long from = config.start() + secondInDays + random.nextInt(86_400);
                    outageStart[p] = from;
                    outageEnd[p] = from + 600 + random.nextInt(3 * 3600 - 600);
                }
            }
        }
    }

    private void advancePlug() {
        loadNext = false;
        if (++position == plugCount) {
            position = 0;
            interval++;
        }
    }

    /** Load in watts: the appliance's profile, the plug's scale, a daily variation and noise. */
    private double watts(int p, long ts) {
        int secondOfDay = (int) Math.floorMod(ts - config.start(), 86_400L);
        double base = appliance[p].watts(secondOfDay, phase[p]) * scale[p];
        double noise = 1 + 0.05 * random.nextGaussian();
        double w = base * noise;
        return w < 0 ? 0 : w;
    }

    /** Writes a line with the value given in hundred-thousandths (5 decimals), rounded to 3 unless asked. */
    private void writeLine(StringBuilder sb, long id, long ts, long hundredThousandths, int property, int p) {
        sb.append(id).append(',').append(ts).append(',');
        if (random.nextDouble() < config.extraDecimalsRate()) {
            appendFiveDecimals(sb, hundredThousandths);
        } else {
            Milli.append(sb, (hundredThousandths + 50) / 100);
        }
        appendIds(sb.append(',').append(property), p);
    }

    private static void appendFiveDecimals(StringBuilder sb, long v) {
        sb.append(v / 100_000).append('.');
        String frac = Long.toString(v % 100_000);
        sb.append("00000", 0, 5 - frac.length()).append(frac);
    }

    private void appendIds(StringBuilder sb, int p) {
        int plug = p % config.plugs();
        int household = (p / config.plugs()) % config.households();
        int house = p / (config.plugs() * config.households());
        sb.append(',').append(plug).append(',').append(household).append(',').append(house);
    }

    private void writeBadLine(StringBuilder sb, int p, long ts) {
        long id = nextId++;
        switch (badLines.nextInt(5)) {
            case 0 -> { // field-count: the ids are missing
                sb.append(id).append(',').append(ts).append(",12.000,1");
            }
            case 1 -> { // bad-number
                sb.append(id).append(',').append(ts).append(",12x.5,1");
                appendIds(sb, p);
            }
            case 2 -> { // bad-property
                sb.append(id).append(',').append(ts).append(",12.000,7");
                appendIds(sb, p);
            }
            case 3 -> { // negative-load
                sb.append(id).append(',').append(ts).append(",-3.500,1");
                appendIds(sb, p);
            }
            default -> { // late: older than the latest reading written
                sb.append(id).append(',').append(lastTs - 1 - badLines.nextInt(60)).append(",5.000,1");
                appendIds(sb, p);
            }
        }
    }
}
