package io.gridlet.client;

import io.gridlet.adaptlets.builtin.Identities;
import io.gridlet.core.model.HouseSet;
import io.gridlet.core.model.Measurement;
import io.gridlet.core.wire.Disorder;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A fleet of {@link Meter}s fed from one time-ordered stream of readings (a file or the generator): each house
 * is sent by the meter whose identity owns it ({@code houses=} in the identities file; without one, house {@code h}
 * belongs to meter {@code meter-(h mod n)}), so each meter sends whole houses and the readings of
 * different meters interleave as they would live. Paced by data time ({@code speedup}) and/or to {@code rate}
 * readings per second overall; without either, as fast as the gateway acknowledges.
 */
public final class MeterFleet implements AutoCloseable {
    private final List<Meter> meters = new ArrayList<>();
    static final long CONNECT_TIMEOUT_MS = 60_000;
    private final long rate;
    private final double speedup;
    private final Disorder disorder = new Disorder();
    private final Consumer<String> events;
    private static final int MAX_HOUSES_REMEMBERED = 1 << 20;
    private final List<HouseSet> owned = new ArrayList<>(); // per meter, null: its identity states no houses
    private final Map<Long, Integer> meterOfHouse = new HashMap<>();
    private volatile long produced;
    private volatile long unsendable;

    /** The meters' names: {@code meter-0 .. meter-(n-1)}. */
    public static String meterName(int i) {
        return "meter-" + i;
    }

    public MeterFleet(int n, Identities identities, Meter.Settings settings, long rate, Consumer<String> events) {
        this(n, identities, settings, rate, 0, events);
    }

    /**
     * @param rate    readings per second at most, the whole fleet (0: no limit)
     * @param speedup data seconds per real second: a reading is handed to its meter when its timestamp is due
     *                (0: no pacing by data time). Live meters run at 1; replaying faster compresses time, and
     *                with it the job's lateness: readings {@code d} real seconds apart are {@code d * speedup}
     *                data seconds apart.
     */
    public MeterFleet(int n, Identities identities, Meter.Settings settings, long rate, double speedup,
                      Consumer<String> events) {
        if (n < 1) throw new IllegalArgumentException("a fleet has at least one meter");
        if (rate < 0) throw new IllegalArgumentException("rate must be >= 0");
        if (speedup < 0) throw new IllegalArgumentException("speedup must be >= 0");
        this.rate = rate;
        this.speedup = speedup;
        this.events = events;
        for (int i = 0; i < n; i++) {
            byte[] secret = identities.secret(meterName(i));
            if (secret == null) {
                throw new IllegalArgumentException("no secret for " + meterName(i) + " in the identities");
            }
            meters.add(new Meter(meterName(i), secret, settings, events, disorder));
            String houses = identities.attribute(meterName(i), "houses");
            owned.add(houses == null ? null : HouseSet.parse(houses));
        }
    }

    public List<Meter> meters() {
        return meters;
    }

    /** The worst disorder in data time between the meters' readings as sent (see {@link Disorder}). */
    public long disorderSeconds() {
        return disorder.worstSeconds();
    }

    public long produced() {
        return produced;
    }

    /** Readings left out because the meter of their house seals with keys for other houses (sealed fleets). */
    public long unsendable() {
        return unsendable;
    }

    /**
     * Hands every reading to its meter, at the fleet's pace, once every meter is connected (a meter that starts
     * late would start behind the others); returns when all are stored (not yet acknowledged).
     */
    public void feed(Iterator<Measurement> readings) throws InterruptedException {
        // a meter that connects after the others have sent joins a running clock, with older readings than theirs
        for (Meter m : meters) m.awaitConnected(CONNECT_TIMEOUT_MS);
        long start = System.nanoTime();
        long n = 0;
        long firstTime = -1;
        while (readings.hasNext()) {
            Measurement m = readings.next();
            if (speedup > 0) {
                if (firstTime < 0) firstTime = m.timestamp();
                long ahead = start + (long) ((m.timestamp() - firstTime) * 1e9 / speedup) - System.nanoTime();
                if (ahead > 1_000_000) Thread.sleep(ahead / 1_000_000, (int) (ahead % 1_000_000));
            }
            Meter meter = meters.get(meterOf(m.houseId()));
            if (!meter.mayReport(m.houseId())) { // sealed: its keys are for other houses, the boundary would refuse
                unsendable++;
                continue;
            }
            meter.offer(m);
            produced = ++n;
            if (rate > 0 && (n & 63) == 0) {
                long ahead = start + (long) (n * 1e9 / rate) - System.nanoTime();
                if (ahead > 0) Thread.sleep(ahead / 1_000_000, (int) (ahead % 1_000_000));
            }
        }
    }

    /**
     * The meter that sends house {@code house}: the first of the fleet whose identity owns it ({@code houses=} in
     * the identities file), or {@code house mod n} if none does (the gateway then refuses its readings as
     * not-owned, and the meter reports that).
     */
    private int meterOf(long house) {
        Integer known = meterOfHouse.get(house);
        if (known != null) return known;
        int chosen = -1;
        boolean stated = false;
        for (int i = 0; i < owned.size(); i++) {
            stated |= owned.get(i) != null;
            if (owned.get(i) != null && owned.get(i).contains(house)) {
                chosen = i;
                break;
            }
        }
        if (chosen < 0) {
            chosen = (int) Long.remainderUnsigned(house, meters.size());
            if (stated && owned.get(chosen) != null) {
                events.accept("house " + house + " belongs to no meter of this fleet of " + meters.size()
                        + " (the identities file states each meter's houses): " + meterName(chosen)
                        + " sends it, and the gateway will refuse it as not-owned");
            }
        }
        if (meterOfHouse.size() < MAX_HOUSES_REMEMBERED) meterOfHouse.put(house, chosen);
        return chosen;
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
