package io.gridlet.flink.operators;

import io.gridlet.core.csv.RejectReason;
import io.gridlet.core.csv.Rejection;
import io.gridlet.core.csv.Rejections;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * What the order gate counted, read back from the job's accumulators (while it runs, or from its result).
 *
 * @param lines     input lines, good and bad
 * @param dataTime  largest timestamp read, {@code Long.MIN_VALUE} before the first
 */
public record GateCounts(long lines, long loads, long works, long rounded, long firstTime, long dataTime,
                         Rejections rejections) {
    static final String LINES = "gridlet.lines";
    static final String LOADS = "gridlet.loads";
    static final String WORKS = "gridlet.works";
    static final String ROUNDED = "gridlet.rounded";
    static final String FIRST_TIME = "gridlet.first-time";
    static final String DATA_TIME = "gridlet.data-time";
    static final String EXAMPLES = "gridlet.rejected.examples";
    /** Not the gate's: the most readings a keyed instance held at once for gates ahead of the others. */
    static final String MOST_HELD_AHEAD = "gridlet.held-ahead.most";

    static String rejectedName(RejectReason reason) {
        return "gridlet.rejected." + reason.label();
    }

    /** Reads the counts from accumulator values by name (missing ones count as zero). */
    @SuppressWarnings("unchecked")
    public static GateCounts from(Map<String, Object> accumulators) {
        Map<RejectReason, Long> counts = new EnumMap<>(RejectReason.class);
        for (RejectReason r : RejectReason.values()) {
            long n = number(accumulators, rejectedName(r), 0);
            if (n > 0) counts.put(r, n);
        }
        Object examples = accumulators.get(EXAMPLES);
        List<Rejection> kept = examples instanceof List<?> list ? (List<Rejection>) list : List.of();
        // each gate keeps its first few: behind several, as many as one gate keeps are shown
        if (kept.size() > OrderGateOperator.MAX_EXAMPLES) kept = kept.subList(0, OrderGateOperator.MAX_EXAMPLES);
        return new GateCounts(number(accumulators, LINES, 0), number(accumulators, LOADS, 0),
                number(accumulators, WORKS, 0), number(accumulators, ROUNDED, 0),
                none(number(accumulators, FIRST_TIME, Long.MIN_VALUE)), none(number(accumulators, DATA_TIME, Long.MIN_VALUE)),
                Rejections.of(counts, kept));
    }

    /**
     * The most readings one keyed instance held at once, in one attempt, because they came from a gate ahead of
     * the others (0 with one gate): what the partitions' alignment bounds.
     */
    public static long mostHeldAhead(Map<String, Object> accumulators) {
        return number(accumulators, MOST_HELD_AHEAD, 0);
    }

    /** LongMinimum starts at Long.MAX_VALUE: no reading yet. */
    private static long none(long time) {
        return time == Long.MAX_VALUE ? Long.MIN_VALUE : time;
    }

    private static long number(Map<String, Object> accumulators, String name, long missing) {
        Object v = accumulators.get(name);
        return v instanceof Number n ? n.longValue() : missing;
    }
}
