package io.gridlet.server.live;

import io.gridlet.adaptlets.builtin.Identities;
import io.gridlet.core.model.Measurement;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Consumer;

/**
 * A fleet of {@link Meter}s fed from one time-ordered stream of readings (a file or the generator): house
 * {@code h} belongs to meter {@code meter-(h mod n)}, so each meter sends whole houses and the readings of
 * different meters interleave as they would live. Paced to {@code rate} readings per second overall (0: as fast
 * as the gateway acknowledges).
 */
public final class MeterFleet implements AutoCloseable {
    private final List<Meter> meters = new ArrayList<>();
    private final long rate;
    private volatile long produced;

    /** The meters' names: {@code meter-0 .. meter-(n-1)}. */
    public static String meterName(int i) {
        return "meter-" + i;
    }

    public MeterFleet(int n, Identities identities, Meter.Settings settings, long rate, Consumer<String> events) {
        if (n < 1) throw new IllegalArgumentException("a fleet has at least one meter");
        if (rate < 0) throw new IllegalArgumentException("rate must be >= 0");
        this.rate = rate;
        for (int i = 0; i < n; i++) {
            byte[] secret = identities.secret(meterName(i));
            if (secret == null) {
                throw new IllegalArgumentException("no secret for " + meterName(i) + " in the identities");
            }
            meters.add(new Meter(meterName(i), secret, settings, events));
        }
    }

    public List<Meter> meters() {
        return meters;
    }

    public long produced() {
        return produced;
    }

    /** Hands every reading to its meter, at the fleet's rate; returns when all are stored (not yet acked). */
    public void feed(Iterator<Measurement> readings) throws InterruptedException {
        long start = System.nanoTime();
        long n = 0;
        while (readings.hasNext()) {
            Measurement m = readings.next();
            meters.get((int) Long.remainderUnsigned(m.houseId(), meters.size())).offer(m);
            produced = ++n;
            if (rate > 0 && (n & 63) == 0) {
                long ahead = start + (long) (n * 1e9 / rate) - System.nanoTime();
                if (ahead > 0) Thread.sleep(ahead / 1_000_000, (int) (ahead % 1_000_000));
            }
        }
    }

    /** Tells every meter there is no more, and waits until all is acknowledged. */
    public void finish(long timeoutMs) throws InterruptedException {
        for (Meter m : meters) m.finish();
        long deadline = System.currentTimeMillis() + timeoutMs;
        for (Meter m : meters) m.awaitAcknowledged(Math.max(1, deadline - System.currentTimeMillis()));
    }

    /** The meters' counts, summed. */
    public Meter.Counts counts() {
        long offered = 0, acked = 0, rejected = 0, reconnects = 0;
        for (Meter m : meters) {
            Meter.Counts c = m.counts();
            offered += c.offered();
            acked += c.acknowledged();
            rejected += c.rejected();
            reconnects += c.reconnects();
        }
        return new Meter.Counts(offered, acked, rejected, reconnects);
    }

    @Override
    public void close() throws InterruptedException {
        for (Meter m : meters) m.close();
    }
}
