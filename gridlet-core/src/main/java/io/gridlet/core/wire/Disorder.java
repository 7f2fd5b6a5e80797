package io.gridlet.core.wire;

import io.gridlet.core.model.Measurement;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How far behind in data time readings came, in the order they were sent (by a fleet) or appended to the log
 * (by the gateway): the largest difference between the newest timestamp before a batch and a reading in it. The
 * job puts readings back in order within its max lateness and rejects older ones as late, so the lateness must
 * cover this.
 */
public final class Disorder {
    private final AtomicLong newest = new AtomicLong(Long.MIN_VALUE);
    private final AtomicLong worst = new AtomicLong();

    /** Records a batch, in the order batches pass here. */
    public void pass(List<Measurement> batch) {
        if (batch.isEmpty()) return;
        long oldest = Long.MAX_VALUE, latest = Long.MIN_VALUE;
        for (Measurement m : batch) {
            oldest = Math.min(oldest, m.timestamp());
            latest = Math.max(latest, m.timestamp());
        }
        pass(oldest, latest);
    }

    /** Records a batch by its oldest and latest timestamp (sealed readings: their clear timestamps). */
    public void pass(long oldest, long latest) {
        long before = newest.getAndAccumulate(latest, Math::max);
        if (before != Long.MIN_VALUE && before > oldest) worst.accumulateAndGet(before - oldest, Math::max);
    }

    /** The worst so far, in seconds of data time. */
    public long worstSeconds() {
        return worst.get();
    }
}
