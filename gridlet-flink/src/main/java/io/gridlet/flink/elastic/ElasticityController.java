package io.gridlet.flink.elastic;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;

/**
 * Decides when and how far to rescale the job's keyed stages, from the job's own signals. A plain class: it is
 * fed {@link Signals} and answers a {@link Decision}; the {@link Autoscaler} reads the signals and applies the
 * decisions.
 *
 * <p>Lessons from users of Flink's Kubernetes autoscaler are built in:
 * <ul>
 *   <li>The processing capacity is estimated from <em>busy time</em>: an instance busy a fraction {@code b} of
 *       the time is doing {@code b} instances' worth of work, so the job needs {@code ceil(p * b / target)}
 *       instances. Observed throughput alone under-reads demand when the source is held back and over-reads
 *       capacity when instances idle.</li>
 *   <li>It rescales lazily: out only after sustained overload, in only after much longer sustained idleness,
 *       never within a cooldown of the last rescale, and at most a capped number of times per hour (every
 *       rescale pauses processing and replays from the last checkpoint).</li>
 *   <li>It prefers parallelisms that divide the max parallelism (the key groups), so every instance gets the
 *       same number of key groups and none is left with a larger share.</li>
 *   <li>A manual choice ({@code gridlet scale}) wins: the controller stands down for the rest of the run.</li>
 * </ul>
 */
public final class ElasticityController {

    /** Bounds and tuning. Fractions are of one instance's time (busy) or of the machine (CPU). */
    /** What the controller may do ({@link Range}), when it acts ({@link Thresholds}) and how often ({@link Timing}). */
    public record Settings(Range range, Thresholds thresholds, Timing timing) {
        /** Defaults for a job between {@code min} and {@code max} instances over {@code keyGroups} key groups. */
        public static Settings defaults(int min, int max, int keyGroups) {
            return new Settings(new Range(min, max, keyGroups), new Thresholds(0.6, 0.85, 0.25, 0.5, 0.95),
                    new Timing(Duration.ofSeconds(10), Duration.ofMinutes(2), Duration.ofSeconds(30), 6));
        }

        public Settings withThresholds(Thresholds with) {
            return new Settings(range, with, timing);
        }

        public Settings withTiming(Timing with) {
            return new Settings(range, thresholds, with);
        }
    }

    /** The parallelism the controller keeps the job within, and the key groups it never exceeds. */
    public record Range(int minParallelism, int maxParallelism, int keyGroups) {
        public Range {
            if (minParallelism < 1 || maxParallelism < minParallelism) {
                throw new IllegalArgumentException("need 1 <= min parallelism <= max parallelism, got "
                        + minParallelism + ".." + maxParallelism);
            }
            if (maxParallelism > keyGroups) {
                throw new IllegalArgumentException("max parallelism " + maxParallelism + " > key groups " + keyGroups);
            }
        }
    }

    /**
     * Busy shares (0..1) the controller aims at and acts on: it sizes the job for {@code targetBusy}, scales out
     * above {@code scaleOutBusy} (or when the source is back-pressured above {@code backPressured}), in below
     * {@code scaleInBusy}; never out while the machine's CPU is above {@code saturatedCpu}.
     */
    public record Thresholds(double targetBusy, double scaleOutBusy, double scaleInBusy, double backPressured,
                             double saturatedCpu) {
        public Thresholds {
            if (!(scaleInBusy < targetBusy && targetBusy < scaleOutBusy && scaleOutBusy <= 1)) {
                throw new IllegalArgumentException("need scale-in busy < target busy < scale-out busy <= 1");
            }
        }
    }

    /** How long a signal must hold before the controller acts, the pause after a rescale, and a budget per hour. */
    public record Timing(Duration scaleOutAfter, Duration scaleInAfter, Duration cooldown, int maxRescalesPerHour) {
        public Timing {
            if (maxRescalesPerHour < 1) throw new IllegalArgumentException("max rescales per hour must be >= 1");
        }
    }

    /**
     * One observation of the job.
     *
     * @param busy           the busiest keyed stage's busy time, averaged over its instances (0..1)
     * @param backPressured  the source's back-pressured time (0..1): it could read faster than the job keeps up
     * @param lagGrowing     live input only: whether the source's lag behind the producers grew since the last
     *                       observation (false for a file, which is never behind)
     * @param cpu            the machine's CPU use (0..1), NaN if unknown
     */
    public record Signals(long timeMillis, int parallelism, double busy, double backPressured, boolean lagGrowing,
                          double cpu) {
    }

    /** What to do: keep {@code parallelism} as it is, or rescale to it; always with the reason. */
    public record Decision(boolean rescale, int parallelism, String reason) {
    }

    private final Settings settings;
    private final Deque<Long> rescales = new ArrayDeque<>();
    private long overloadedSince = -1, idleSince = -1;
    private long lastRescale = Long.MIN_VALUE;
    private Integer manual;

    public ElasticityController(Settings settings) {
        this.settings = settings;
    }

    public Settings settings() {
        return settings;
    }

    /** A person chose the parallelism: it stays for the rest of the run, the controller only reports. */
    public void override(int parallelism) {
        manual = parallelism;
    }

    public boolean overridden() {
        return manual != null;
    }

    /** Tells the controller that a rescale it decided was applied at {@code timeMillis}. */
    public void rescaled(long timeMillis) {
        lastRescale = timeMillis;
        rescales.addLast(timeMillis);
        overloadedSince = -1;
        idleSince = -1;
    }

    public Decision observe(Signals s) {
        int p = s.parallelism();
        if (manual != null) return hold(p, "manual override to " + manual + ": the controller stands down");
        long now = s.timeMillis();
        while (!rescales.isEmpty() && rescales.peekFirst() <= now - Duration.ofHours(1).toMillis()) {
            rescales.removeFirst();
        }
        boolean backPressured = s.backPressured() >= settings.thresholds().backPressured();
        boolean overloaded = s.busy() >= settings.thresholds().scaleOutBusy() || backPressured || s.lagGrowing();
        boolean idle = !overloaded && s.busy() <= settings.thresholds().scaleInBusy();
        overloadedSince = overloaded ? (overloadedSince < 0 ? now : overloadedSince) : -1;
        idleSince = idle ? (idleSince < 0 ? now : idleSince) : -1;

        // instances' worth of work being done, and what that needs at the target busy time
        int needed = (int) Math.ceil(p * s.busy() / settings.thresholds().targetBusy() - 1e-9);
        String load = String.format(Locale.ROOT, "busy %.0f%% at parallelism %d", 100 * s.busy(), p)
                + (backPressured
                        ? String.format(Locale.ROOT, ", source back-pressured %.0f%%", 100 * s.backPressured()) : "")
                + (s.lagGrowing() ? ", input lag growing" : "");

        if (overloaded) {
            // busy time under-reads demand while the source is held back: at least one more instance
            int target = choose(Math.max(needed, (backPressured || s.lagGrowing()) ? p + 1 : needed));
            if (target <= p) return hold(p, load + "; already at the most (" + settings.range().maxParallelism() + ")");
            if (s.cpu() >= settings.thresholds().saturatedCpu()) {
                return hold(p, load + String.format(Locale.ROOT, "; CPU %.0f%% used: more instances on this "
                        + "machine would not run faster", 100 * s.cpu()));
            }
            long sustained = now - overloadedSince;
            if (sustained < settings.timing().scaleOutAfter().toMillis()) {
                return hold(p, load + "; overloaded for " + seconds(sustained) + " of "
                        + seconds(settings.timing().scaleOutAfter().toMillis()) + " before scaling out");
            }
            return rescaleOrWait(p, target, load + " for " + seconds(sustained) + ": scale out to " + target, now);
        }
        if (idle) {
            int target = choose(Math.max(needed, 1));
            if (target >= p) return hold(p, load + "; already at the least (" + settings.range().minParallelism() + ")");
            long sustained = now - idleSince;
            if (sustained < settings.timing().scaleInAfter().toMillis()) {
                return hold(p, load + "; idle for " + seconds(sustained) + " of "
                        + seconds(settings.timing().scaleInAfter().toMillis()) + " before scaling in");
            }
            return rescaleOrWait(p, target, load + " for " + seconds(sustained) + ": scale in to " + target, now);
        }
        return hold(p, load + String.format(Locale.ROOT, "; within %.0f%%..%.0f%%", 100 * settings.thresholds().scaleInBusy(),
                100 * settings.thresholds().scaleOutBusy()));
    }

    private Decision rescaleOrWait(int p, int target, String reason, long now) {
        long cooldownLeft = lastRescale == Long.MIN_VALUE ? 0 : lastRescale + settings.timing().cooldown().toMillis() - now;
        if (cooldownLeft > 0) return hold(p, reason + " after the cooldown (" + seconds(cooldownLeft) + " left)");
        if (rescales.size() >= settings.timing().maxRescalesPerHour()) {
            return hold(p, reason + " when the budget of " + settings.timing().maxRescalesPerHour()
                    + " rescales an hour allows");
        }
        return new Decision(true, target, reason);
    }

    /**
     * The parallelism to run at for a need of {@code needed} instances: the smallest divisor of the key-group
     * count at or above it within the bounds (every instance then holds the same number of key groups), else
     * the bound.
     */
    int choose(int needed) {
        int want = Math.max(settings.range().minParallelism(), Math.min(needed, settings.range().maxParallelism()));
        for (int q = want; q <= settings.range().maxParallelism(); q++) {
            if (settings.range().keyGroups() % q == 0) return q;
        }
        return want;
    }

    private static Decision hold(int p, String reason) {
        return new Decision(false, p, reason);
    }

    private static String seconds(long millis) {
        return String.format(Locale.ROOT, "%.0f s", millis / 1000.0);
    }
}
