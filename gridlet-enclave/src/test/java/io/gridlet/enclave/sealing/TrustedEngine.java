package io.gridlet.enclave.sealing;


import io.gridlet.core.csv.Rejections;
import io.gridlet.core.engine.OrderGate;
import io.gridlet.core.engine.QueryConfig;
import io.gridlet.core.engine.QueryEngine;
import io.gridlet.core.model.Measurement;
import io.gridlet.enclave.keys.KeyRing;
import io.gridlet.enclave.keys.ReadingKeys;

import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The core's engine inside the trusted boundary: sealed readings in, each opened here (a reading that does not
 * open is counted by reason and goes no further), put in order by the core's {@link OrderGate} and given to the
 * unchanged {@link QueryEngine}; every result leaves sealed for the subscriber. Nothing in clear leaves this
 * object but counts.
 */
public final class TrustedEngine {
    private final ReadingOpener readings;
    private final ReplayGuard replays = new ReplayGuard();
    private final OrderGate gate;
    private final QueryEngine engine;
    private final Rejections rejections = new Rejections();
    private final Map<String, Long> refused = new TreeMap<>();
    private final Consumer<Measurement> apply;
    private long offered;

    /**
     * @param readingKeys  what opens meters' readings (as released to this runtime by the key broker)
     * @param subscriber   the subscriber's keys the results are sealed for
     */
    public TrustedEngine(ReadingKeys readingKeys, KeyRing subscriber, QueryConfig config,
                         long maxLatenessSeconds, Consumer<SealedResult> results) {
        this.readings = readingKeys.opener();
        // a late reading is counted with its position only: the core's example text names the reading's id
        this.gate = new OrderGate(maxLatenessSeconds, (line, reason, message, text) ->
                rejections.reject(line, reason, message, "(sealed reading " + line + ")"));
        this.engine = new QueryEngine(config, new ResultSealer(subscriber, results));
        this.apply = engine::accept;
    }

    public void accept(SealedBlock sealed) {
        java.util.List<ReadingOpener.Opened> opened;
        try {
            opened = readings.open(sealed);
        } catch (SealException e) {
            offered += sealed.count();
            refused.merge(e.reason().name(), (long) sealed.count(), Long::sum);
            return;
        }
        for (ReadingOpener.Opened o : opened) {
            offered++;
            if (!replays.admit(o)) {
                refused.merge("REPLAYED", 1L, Long::sum);
                continue;
            }
            gate.offer(o.reading(), offered, apply);
        }
    }

    /** End of input. */
    public void finish() {
        gate.flush(apply);
        engine.finish();
    }

    /** Sealed readings refused, by reason (a {@link SealException.Reason}'s name, or REPLAYED). */
    public Map<String, Long> refused() {
        return Map.copyOf(refused);
    }

    /** Readings the order gate rejected (late), as in a plaintext run. */
    public Rejections rejections() {
        return rejections;
    }
}
