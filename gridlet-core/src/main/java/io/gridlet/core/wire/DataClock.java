package io.gridlet.core.wire;

import io.gridlet.core.csv.RejectReason;

import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The live service's data time: a watermark over meters, not the newest timestamp anyone sent.
 *
 * <p>Every meter sends its own readings in timestamp order, but meters run at different speeds. Data time is the
 * oldest "latest timestamp" among the meters that take part; a reading is late only if it is older than data time
 * minus the max lateness, so a slow meter that sends in order is never late, and one meter cannot move time
 * for the others. A meter takes part while it is <em>active</em> (it sent within {@code idleAfter} of wall time)
 * and <em>keeps up</em> (its latest reading is at most {@code maxAhead / 2} behind the median of the active
 * meters' latest readings, the lower one for an even count): an idle meter does not hold data time back, nor does
 * one that stays behind on purpose (a minority of meters can delay results by at most {@code maxAhead / 2}); and
 * since the median is the reference, no minority of meters running ahead can make the others look behind.
 * Before data time exists, a meter that connected but has sent no reading yet holds it back for {@code idleAfter}
 * after it first connected (meters join at slightly different moments: without this, the first readings of the
 * later ones would be late); so do the meters of a log the service recovers from ({@link #recover}); a meter that
 * joins a running clock otherwise must send readings within the lateness of data time. A reading dated after
 * the wall clock plus {@code clockSkew} (a meter cannot measure
 * the future, even as the very first reading) or more than {@code maxAhead} after data time is refused as
 * {@link RejectReason#TOO_FAR_AHEAD}. Data time never goes back.
 *
 * <p>The spec's rule for files (data time is the newest timestamp read; see docs/queries.md) is unchanged: it is
 * the rule for one source, and this clock reduces to it for a single meter with a lateness of zero.
 *
 * <p>Not thread-safe: the gateway calls it under the lock that also orders its log appends, so the log holds
 * entries in data time order.
 */
public final class DataClock {
    /** Unknown: no meter has taken part yet. */
    public static final long NONE = Long.MIN_VALUE;

    /** The clock's bounds: all in seconds of data time but {@code idleAfter} (wall time). */
    public record Limits(long maxLatenessSeconds, long maxAheadSeconds, long clockSkewSeconds, Duration idleAfter) {
        public static final Limits DEFAULTS = new Limits(120, 3_600, 300, Duration.ofSeconds(30));

        public Limits {
            if (maxLatenessSeconds < 0 || maxAheadSeconds < 1 || clockSkewSeconds < 0 || idleAfter.isNegative()) {
                throw new IllegalArgumentException("lateness and skew >= 0, max ahead >= 1 s, idle after >= 0");
            }
        }
    }

    private static final class MeterTime {
        long latest = NONE;
        long lastSeenNanos;
        final long firstSeenNanos;
        boolean recovered; // known from the log the service started on: holds data time until it sends again
        long roseAt = -1; // the number of computations of data time before its latest last rose

        MeterTime(long now) {
            firstSeenNanos = now;
        }
    }

    private final Limits limits;
    private final Map<String, MeterTime> meters = new HashMap<>();
    private long dataTime = NONE;
    private long advances; // how many times data time was computed

    public DataClock(Limits limits) {
        this.limits = limits;
    }

    public Limits limits() {
        return limits;
    }

    /**
     * Where a service that restarts on its log stands: data time as the log's newest entry carries it (the job's
     * order gate runs on it), and the meters the log knows, each holding data time for {@code idleAfter} from
     * {@code nowNanos} or until it sends (they reconnect at different moments, and those that reconnect later
     * have older readings to resend).
     */
    public void recover(long recoveredDataTime, Iterable<String> knownMeters, long nowNanos) {
        if (recoveredDataTime > dataTime) dataTime = recoveredDataTime;
        for (String meter : knownMeters) {
            MeterTime t = meters.computeIfAbsent(meter, m -> new MeterTime(nowNanos));
            t.lastSeenNanos = nowNanos;
            t.recovered = true;
        }
    }

    /** Data time now ({@link #NONE} before any meter took part). */
    public long dataTime() {
        return dataTime;
    }

    /**
     * Why a reading dated {@code ts} must be refused when the wall clock reads {@code wallSeconds}, or null if it
     * may be taken.
     */
    public RejectReason check(long ts, long wallSeconds) {
        return check(limits, dataTime, ts, wallSeconds);
    }

    /** {@link #check} against a data time read before (for checks outside the clock's lock). */
    public static RejectReason check(Limits limits, long dataTime, long ts, long wallSeconds) {
        if (ts > wallSeconds + limits.clockSkewSeconds()) return RejectReason.TOO_FAR_AHEAD;
        if (dataTime == NONE) return null;
        if (ts > dataTime + limits.maxAheadSeconds()) return RejectReason.TOO_FAR_AHEAD;
        if (ts < dataTime - limits.maxLatenessSeconds()) return RejectReason.LATE;
        return null;
    }

    /** A message for a refusal {@link #check} gave. */
    public String explain(RejectReason reason, long ts, long wallSeconds) {
        return explain(limits, dataTime, reason, ts, wallSeconds);
    }

    /** {@link #explain} against a data time read before. */
    public static String explain(Limits limits, long dataTime, RejectReason reason, long ts, long wallSeconds) {
        if (reason == RejectReason.LATE) {
            return "timestamp " + ts + " is older than data time " + dataTime + " minus the max lateness of "
                    + limits.maxLatenessSeconds() + " s";
        }
        if (ts > wallSeconds + limits.clockSkewSeconds()) {
            return "timestamp " + ts + " is after the service's clock (" + wallSeconds + ") plus the allowed skew of "
                    + limits.clockSkewSeconds() + " s";
        }
        return "timestamp " + ts + " is more than " + limits.maxAheadSeconds() + " s after data time " + dataTime;
    }

    /**
     * {@code meter} connected ({@code latestTs} {@link #NONE}) or had readings taken, the latest dated
     * {@code latestTs}, at {@code nowNanos}. The meters are the identities allowed to send: their number is bounded
     * by the identities, and none is forgotten (one forgotten would hold data time again when it came back).
     */
    public void saw(String meter, long latestTs, long nowNanos) {
        MeterTime t = meters.computeIfAbsent(meter, m -> new MeterTime(nowNanos));
        t.lastSeenNanos = nowNanos;
        if (latestTs > t.latest) {
            t.latest = latestTs;
            t.recovered = false;
            t.roseAt = advances;
        }
    }

    /**
     * Whether {@code meter}'s latest reading rose since data time was last computed ({@link #advance}): data time
     * may then be behind where that meter's own readings would take it.
     */
    public boolean roseSinceAdvance(String meter) {
        MeterTime t = meters.get(meter);
        return t != null && t.roseAt == advances;
    }

    /**
     * How far behind the median meter one may be and still hold data time back: half of {@code maxAhead}, so that
     * data time is never so far behind that the meters' next readings are too far ahead of it.
     */
    private long keepUpSeconds() {
        return limits.maxAheadSeconds() / 2;
    }

    /** Moves data time to the oldest latest reading of the meters that take part (never back); returns it. */
    public long advance(long nowNanos) {
        advances++;
        long idleNanos = limits.idleAfter().toNanos();
        long newest = NONE;
        for (MeterTime t : meters.values()) {
            boolean joining = t.latest == NONE && (dataTime == NONE || t.recovered);
            if (joining && nowNanos - t.firstSeenNanos <= idleNanos) return dataTime; // still joining
        }
        long[] active = new long[meters.size()];
        int n = 0;
        for (MeterTime t : meters.values()) {
            if (t.latest != NONE && nowNanos - t.lastSeenNanos <= idleNanos) active[n++] = t.latest;
        }
        if (n == 0) return dataTime;
        Arrays.sort(active, 0, n);
        long median = active[(n - 1) / 2];
        long oldest = Long.MAX_VALUE;
        for (int i = 0; i < n; i++) {
            if (active[i] >= median - keepUpSeconds()) { // (behind by more: does not keep up)
                oldest = active[i];
                break;
            }
        }
        if (oldest > dataTime) dataTime = oldest;
        return dataTime;
    }
}
