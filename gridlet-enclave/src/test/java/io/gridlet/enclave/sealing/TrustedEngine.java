package io.gridlet.enclave.sealing;


import io.gridlet.core.csv.Rejections;
import io.gridlet.core.engine.OrderGate;
import io.gridlet.core.engine.QueryConfig;
import io.gridlet.core.engine.QueryEngine;
import io.gridlet.core.model.Measurement;
import io.gridlet.enclave.keys.KeyRing;
import io.gridlet.enclave.keys.Pseudonyms;

import java.util.EnumMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The core's engine inside the trusted boundary: sealed readings in, each opened here (a reading that does not
 * open is counted by reason and goes no further), put in order by the core's {@link OrderGate} and given to the
 * unchanged {@link QueryEngine}; every result leaves sealed for the subscriber. Nothing in clear leaves this
 * object but counts.
 */
public final class TrustedEngine {
    private final Sealer readings;
    private final OrderGate gate;
    private final QueryEngine engine;
    private final Rejections rejections = new Rejections();
    private final Map<SealException.Reason, Long> refused = new EnumMap<>(SealException.Reason.class);
    private final Consumer<Measurement> apply;
    private long offered;

    /**
     * @param readingKeys  the data keys (as released to this runtime by the key broker)
     * @param routing      the pseudonyms the producers routed by, to check each reading's clear fields
     * @param subscriber   the subscriber's keys the results are sealed for
     */
    public TrustedEngine(KeyRing readingKeys, Pseudonyms routing, KeyRing subscriber, QueryConfig config,
                         long maxLatenessSeconds, Consumer<SealedResult> results) {
        this.readings = new Sealer(readingKeys, routing);
        // a late reading is counted with its position only: the core's example text names the reading's id
        this.gate = new OrderGate(maxLatenessSeconds, (line, reason, message, text) ->
                rejections.reject(line, reason, message, "(sealed reading " + line + ")"));
        this.engine = new QueryEngine(config, new ResultSealer(subscriber, results));
        this.apply = engine::accept;
    }

    public void accept(SealedReading sealed) {
        offered++;
        Measurement m;
        try {
            m = readings.open(sealed);
        } catch (SealException e) {
            refused.merge(e.reason(), 1L, Long::sum);
            return;
        }
        gate.offer(m, offered, apply);
    }

    /** End of input. */
    public void finish() {
        gate.flush(apply);
        engine.finish();
    }

    /** Sealed readings refused, by reason. */
    public Map<SealException.Reason, Long> refused() {
        return Map.copyOf(refused);
    }

    /** Readings the order gate rejected (late), as in a plaintext run. */
    public Rejections rejections() {
        return rejections;
    }
}
