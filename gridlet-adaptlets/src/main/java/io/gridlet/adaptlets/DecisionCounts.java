package io.gridlet.adaptlets;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts what each adaptlet decided (and what the session layer decided, as adaptlet {@code session}):
 * Micrometer counter {@code gridlet.adaptlet.calls} with tags {@code adaptlet} and {@code outcome}
 * ({@code accepted}, {@code challenged}, {@code replayed-nonce}, ...).
 */
public final class DecisionCounts {
    public static final String METER = "gridlet.adaptlet.calls";

    private final MeterRegistry registry;
    private final Map<String, Map<String, Counter>> counters = new ConcurrentHashMap<>();

    public DecisionCounts(MeterRegistry registry) {
        this.registry = registry;
    }

    public DecisionCounts() {
        this(new SimpleMeterRegistry());
    }

    public MeterRegistry registry() {
        return registry;
    }

    public void count(String adaptlet, String outcome) {
        counters.computeIfAbsent(adaptlet, a -> new ConcurrentHashMap<>())
                .computeIfAbsent(outcome, o -> Counter.builder(METER).tag("adaptlet", adaptlet).tag("outcome", o)
                        .description("calls by what an adaptlet decided").register(registry))
                .increment();
    }

    /** How many calls got this outcome from this adaptlet so far. */
    public long get(String adaptlet, String outcome) {
        Map<String, Counter> byOutcome = counters.get(adaptlet);
        Counter c = byOutcome == null ? null : byOutcome.get(outcome);
        return c == null ? 0 : (long) c.count();
    }

    /** Every non-zero count, {@code adaptlet/outcome -> n}, sorted. */
    public Map<String, Long> snapshot() {
        Map<String, Long> out = new TreeMap<>();
        counters.forEach((a, m) -> m.forEach((o, c) -> {
            if (c.count() > 0) out.put(a + "/" + o, (long) c.count());
        }));
        return out;
    }
}
