package io.gridlet.server.observe;

import io.gridlet.core.csv.RejectReason;
import io.gridlet.flink.elastic.Autoscaler;
import io.gridlet.flink.elastic.JobRest;
import io.gridlet.flink.operators.GateCounts;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * The running Flink job's meters, as last read from the job (on a thread of their own, at most once a second and
 * only while someone reads them: its accumulators for the order gate's counts, its REST API for the rest): readings read and rejected by reason, data
 * time, parallelism, each stage's records in and out, busy and back-pressured time, checkpoints, restarts, and
 * the rescales so far (by the autoscaler or by hand). Stages are the job's vertices (a handful, named after their
 * operators), so no label takes unbounded values. Before the job runs, and when it cannot be asked, the gauges
 * read NaN and the counters what they last read.
 */
public final class JobMeters {
    private static final long REFRESH_NANOS = 1_000_000_000L;

    private final MeterRegistry registry;
    private final Supplier<GateCounts> gate;
    private volatile JobRest rest;
    private volatile Autoscaler autoscaler;
    private final Set<String> stagesSeen = ConcurrentHashMap.newKeySet();

    /** Refreshes every JobMeters' snapshot, one at a time, off the threads that read them. */
    private static final ExecutorService REFRESHER = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "gridlet-job-meters");
        t.setDaemon(true);
        return t;
    });

    private volatile Snapshot last = Snapshot.NONE;
    private volatile long lastAt = System.nanoTime() - REFRESH_NANOS;
    private final AtomicBoolean refreshing = new AtomicBoolean();

    /** One stage (a vertex: a chain of operators) as last read. */
    private record Stage(int parallelism, double busy, double backPressured, long in, long out) {
    }

    /** What was last read from the job. */
    private record Snapshot(GateCounts gate, int parallelism, Map<String, Stage> stages, long checkpoints,
                            double checkpointSeconds, double checkpointBytes, long restarts) {
        static final Snapshot NONE = new Snapshot(null, -1, Map.of(), 0, Double.NaN, Double.NaN, 0);
    }

    /** @param gate the order gate's counts (null until the job runs) */
    public JobMeters(MeterRegistry registry, Supplier<GateCounts> gate) {
        this.registry = registry;
        this.gate = gate;
        FunctionCounter.builder("gridlet.job.readings", this, m -> m.gateCount(GateCounts::lines))
                .description("input readings the job's order gate read, good and bad").register(registry);
        for (RejectReason r : RejectReason.values()) {
            FunctionCounter.builder("gridlet.job.rejected", this,
                            m -> m.gateCount(c -> c.rejections().counts().getOrDefault(r, 0L)))
                    .tag("reason", r.label()).description("input readings the job refused, by reason")
                    .register(registry);
        }
        Gauge.builder("gridlet.job.data.time", this, m -> {
            GateCounts c = m.snapshot().gate();
            return c == null || c.dataTime() == Long.MIN_VALUE ? Double.NaN : c.dataTime();
        }).baseUnit("seconds").description("data time: the newest timestamp the job has released to the queries "
                + "(seconds since the epoch)").register(registry);
        Gauge.builder("gridlet.job.parallelism", this, m -> m.snapshot().parallelism() < 0 ? Double.NaN
                        : m.snapshot().parallelism()).description("parallelism of the job's elastic stages")
                .strongReference(true) // (Micrometer holds the others weakly: this keeps them all alive)
                .register(registry);
        FunctionCounter.builder("gridlet.job.checkpoints", this, m -> m.snapshot().checkpoints())
                .description("checkpoints completed").register(registry);
        Gauge.builder("gridlet.job.checkpoint.duration", this, m -> m.snapshot().checkpointSeconds())
                .baseUnit("seconds").description("average end-to-end duration of the completed checkpoints")
                .register(registry);
        Gauge.builder("gridlet.job.checkpoint.size", this, m -> m.snapshot().checkpointBytes())
                .baseUnit("bytes").description("average size of the completed checkpoints").register(registry);
        FunctionCounter.builder("gridlet.job.restarts", this, m -> m.snapshot().restarts())
                .description("restarts of the job (after failures and rescales)").register(registry);
        for (boolean manual : new boolean[] {false, true}) {
            FunctionCounter.builder("gridlet.job.rescales", this, m -> m.rescales(manual))
                    .tag("trigger", manual ? "manual" : "autoscaler")
                    .description("rescales of the job, by who asked for them").register(registry);
        }
    }

    /** The job's REST API, once it runs: its stages get their meters now (their values when scraped). */
    public void attach(JobRest rest) {
        this.rest = rest;
        try {
            for (JobRest.Vertex v : rest.job().vertices()) registerStage(stageLabel(v.name()));
        } catch (IOException | RuntimeException e) {
            // not answering yet: the first scrape that reads the job registers them
        }
    }

    /** The autoscaler, once it runs. */
    public void attach(Autoscaler autoscaler) {
        this.autoscaler = autoscaler;
    }

    /** The order gate's counts as last read (at most a second old), or null before the job runs. */
    public GateCounts gate() {
        return snapshot().gate();
    }

    private double rescales(boolean manual) {
        Autoscaler a = autoscaler;
        return a == null ? 0 : a.history().stream().filter(c -> c.manual() == manual).count();
    }

    private double gateCount(ToDoubleFunction<GateCounts> count) {
        GateCounts c = snapshot().gate();
        return c == null ? 0 : count.applyAsDouble(c);
    }

    /**
     * What the job said last; if that was a second ago or more, a refresh is started on the meters' own thread
     * (never on the caller's: a scrape, or the dashboard, never waits on Flink).
     */
    private Snapshot snapshot() {
        long now = System.nanoTime();
        if (now - lastAt >= REFRESH_NANOS && refreshing.compareAndSet(false, true)) {
            lastAt = now;
            try {
                REFRESHER.execute(() -> {
                    try {
                        last = refresh(last);
                    } finally {
                        refreshing.set(false);
                    }
                });
            } catch (RuntimeException e) {
                refreshing.set(false);
            }
        }
        return last;
    }

    private Snapshot refresh(Snapshot previous) {
        GateCounts c = gate.get();
        Snapshot next = new Snapshot(c != null ? c : previous.gate(), previous.parallelism(), previous.stages(),
                previous.checkpoints(), previous.checkpointSeconds(), previous.checkpointBytes(), previous.restarts());
        JobRest r = rest;
        if (r == null) return next;
        try {
            JobRest.Job job = r.job();
            Map<String, Stage> stages = new LinkedHashMap<>();
            for (JobRest.Vertex v : job.vertices()) {
                JobRest.Load load = v.status().equals("RUNNING") ? r.load(v.id()) : new JobRest.Load(0, 0, 0, 0);
                JobRest.Records records = r.records(v.id());
                stages.put(stageLabel(v.name()), new Stage(v.parallelism(), load.busyAvg() / 1000,
                        load.backPressuredAvg() / 1000, records.in(), records.out()));
            }
            JobRest.Checkpoints cp = r.checkpoints();
            stages.keySet().forEach(this::registerStage);
            return new Snapshot(next.gate(), job.parallelism(), stages, cp.completed(),
                    cp.completed() == 0 ? Double.NaN : cp.averageMillis() / 1000,
                    cp.completed() == 0 ? Double.NaN : cp.averageBytes(), r.restarts());
        } catch (IOException | RuntimeException e) {
            return next; // the job is between states (a rescale, its end): the last figures stand
        }
    }

    private void registerStage(String stage) {
        if (!stagesSeen.add(stage)) return;
        stageGauge(stage, "gridlet.stage.busy", "ratio", "share of time the stage's subtasks were busy (average)",
                Stage::busy);
        stageGauge(stage, "gridlet.stage.backpressured", "ratio", "share of time the stage's subtasks were "
                + "back-pressured (average)", Stage::backPressured);
        stageGauge(stage, "gridlet.stage.parallelism", null, "subtasks of the stage", s -> s.parallelism());
        FunctionCounter.builder("gridlet.stage.records.in", this, m -> m.stageValue(stage, s -> s.in()))
                .tag("stage", stage).description("records the stage took in (since its subtasks last started)")
                .register(registry);
        FunctionCounter.builder("gridlet.stage.records.out", this, m -> m.stageValue(stage, s -> s.out()))
                .tag("stage", stage).description("records the stage gave out (since its subtasks last started)")
                .register(registry);
    }

    private void stageGauge(String stage, String name, String unit, String help, ToDoubleFunction<Stage> value) {
        Gauge.Builder<JobMeters> b = Gauge.builder(name, this, m -> m.stageValue(stage, value)).tag("stage", stage)
                .description(help);
        if (unit != null) b.baseUnit(unit);
        b.register(registry);
    }

    private double stageValue(String stage, ToDoubleFunction<Stage> value) {
        Stage s = snapshot().stages().get(stage);
        return s == null ? Double.NaN : value.applyAsDouble(s);
    }

    /**
     * A stage's label from its vertex's name ({@code Source: readings -> order-gate}): lower case, words joined by
     * dashes, at most 64 characters.
     */
    static String stageLabel(String vertexName) {
        String label = vertexName.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-|-$", "");
        return label.length() <= 64 ? label : label.substring(0, 64);
    }
}
