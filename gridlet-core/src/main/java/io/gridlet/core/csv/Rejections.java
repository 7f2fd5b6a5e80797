package io.gridlet.core.csv;

import java.io.IOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Counts rejected lines by reason and keeps the first few as examples with their line numbers.
 * Thread-safe: the reader adds, a progress display may read at the same time.
 */
public final class Rejections implements RejectionSink {
    /** How many examples are kept by default. */
    public static final int DEFAULT_EXAMPLES = 10;

    private final long[] counts = new long[RejectReason.values().length];
    private final List<Rejection> examples = new ArrayList<>();
    private final int maxExamples;

    public Rejections() {
        this(DEFAULT_EXAMPLES);
    }

    public Rejections(int maxExamples) {
        this.maxExamples = maxExamples;
    }

    /** Rejections counted elsewhere (another process): the counts by reason and the examples kept there. */
    public static Rejections of(Map<RejectReason, Long> counts, List<Rejection> examples) {
        Rejections r = new Rejections(Math.max(DEFAULT_EXAMPLES, examples.size()));
        counts.forEach((reason, count) -> r.counts[reason.ordinal()] += count);
        r.examples.addAll(examples);
        return r;
    }

    /** Keeps {@code text} short enough for a report. */
    public static String shorten(CharSequence text) {
        return text.length() > 120 ? text.subSequence(0, 120) + "..." : text.toString();
    }

    @Override
    public synchronized void reject(long lineNumber, RejectReason reason, String message, CharSequence text) {
        counts[reason.ordinal()]++;
        if (examples.size() < maxExamples) {
            examples.add(new Rejection(lineNumber, reason, message, shorten(text)));
        }
    }

    public synchronized long count(RejectReason reason) {
        return counts[reason.ordinal()];
    }

    public synchronized long total() {
        long sum = 0;
        for (long c : counts) sum += c;
        return sum;
    }

    /** Non-zero counts, by reason. */
    public synchronized Map<RejectReason, Long> counts() {
        Map<RejectReason, Long> result = new EnumMap<>(RejectReason.class);
        for (RejectReason r : RejectReason.values()) {
            if (counts[r.ordinal()] > 0) result.put(r, counts[r.ordinal()]);
        }
        return result;
    }

    public synchronized List<Rejection> examples() {
        return Collections.unmodifiableList(new ArrayList<>(examples));
    }

    /** Writes {@code rejections.txt}: one {@code label count} line per non-zero reason, sorted by label. */
    public void writeTo(Writer out) throws IOException {
        Map<String, Long> byLabel = new TreeMap<>();
        counts().forEach((reason, count) -> byLabel.put(reason.label(), count));
        for (Map.Entry<String, Long> e : byLabel.entrySet()) {
            out.write(e.getKey() + " " + e.getValue() + "\n");
        }
    }
}
