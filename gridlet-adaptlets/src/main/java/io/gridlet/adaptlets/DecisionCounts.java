package io.gridlet.adaptlets;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts what each adaptlet decided (and what the session layer decided, as adaptlet {@code session}; the serving
 * workers, as {@code serving}): Micrometer counter {@code gridlet.adaptlet.calls} with tags {@code adaptlet} and
 * {@code outcome} ({@code accepted}, {@code challenged}, {@code replayed-nonce}, ...). Refusals for being over one
 * of the {@link AdmissionLimits} are counted apart, as {@code gridlet.admission.refused} with the tag
 * {@code reason} (the limit's tag: a bounded set).
 */
public final class DecisionCounts {
    public static final String METER = "gridlet.adaptlet.calls";
    public static final String REFUSED = "gridlet.admission.refused";

    private final MeterRegistry registry;
    private final Map<String, Map<String, Counter>> counters = new ConcurrentHashMap<>();
    private final Map<AdmissionLimits.Limit, Counter> refusals = new ConcurrentHashMap<>();

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

    /** A call (or a session) refused for being over this limit. */
    public void refused(AdmissionLimits.Limit limit) {
        refusals.computeIfAbsent(limit, l -> Counter.builder(REFUSED).tag("reason", l.tag())
                .description("calls and sessions refused for being over a limit").register(registry)).increment();
    }

    /** How many were refused for being over this limit so far. */
    public long refusals(AdmissionLimits.Limit limit) {
        Counter c = refusals.get(limit);
        return c == null ? 0 : (long) c.count();
    }

    /** How many calls got this outcome from this adaptlet so far. */
    public long get(String adaptlet, String outcome) {
        Map<String, Counter> byOutcome = counters.get(adaptlet);
        Counter c = byOutcome == null ? null : byOutcome.get(outcome);
        return c == null ? 0 : (long) c.count();
    }

    /** Every non-zero count, {@code adaptlet/outcome -> n} and {@code admission/limit -> n}, sorted. */
    public Map<String, Long> snapshot() {
        Map<String, Long> out = new TreeMap<>();
        counters.forEach((a, m) -> m.forEach((o, c) -> {
            if (c.count() > 0) out.put(a + "/" + o, (long) c.count());
        }));
        refusals.forEach((l, c) -> {
            if (c.count() > 0) out.put("admission/" + l.tag(), (long) c.count());
        });
        return out;
    }
}
