package io.gridlet.flink.elastic;

import com.sun.management.OperatingSystemMXBean;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;

/**
 * The controller's loop around a running job: every {@code interval} it reads the job's signals over REST (busy
 * time of the keyed stages, back-pressure of the source, the machine's CPU; for live input also whether the job's
 * lag behind its input grows, {@link #lag}), asks the
 * {@link ElasticityController}, and applies a rescale through the adaptive scheduler's resource requirements.
 * A parallelism requested by someone else ({@code gridlet scale}) is noticed and becomes the controller's manual
 * override. Every change is kept, with its reason, and told to the listener.
 */
public final class Autoscaler implements AutoCloseable {
    /** One change of the requested parallelism. */
    public record Change(long timeMillis, int from, int to, String reason, boolean manual) {
    }

    private final JobRest rest;
    private final ElasticityController controller;
    private final Consumer<Change> listener;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "gridlet-autoscaler");
        t.setDaemon(true);
        return t;
    });
    private final List<Change> history = new ArrayList<>();
    private volatile String status = "waiting for the job's first signals";
    private DoubleSupplier lag;
    private double lagFloor, lastLag = Double.NaN;
    private volatile int parallelism;
    private int requested;
    private long requestedAt;
    /** How long a requested parallelism may take to show before the job's actual one is taken as final. */
    private static final long RESCALE_TIMEOUT_MILLIS = 30_000;

    /**
     * @param submittedParallelism the parallelism the job was submitted with: a different request seen later is
     *                             someone else's (a manual override)
     */
    public Autoscaler(JobRest rest, int submittedParallelism, ElasticityController controller,
                      Consumer<Change> listener) {
        this.rest = rest;
        this.requested = submittedParallelism;
        this.controller = controller;
        this.listener = listener;
    }

    /**
     * Live input: {@code seconds} is how far behind its input the job is, in seconds of data time (NaN: not
     * known yet). The lag counts as growing when it grew since the last observation by more than a second and
     * is above {@code floorSeconds} (what the job always trails by: its lateness, the batching of the input);
     * it counts as overload of the keyed stages only while they are at least at their target busy time (a lag
     * that grows while they idle is the single-instance source's, which more instances would not help).
     */
    public Autoscaler lag(DoubleSupplier seconds, double floorSeconds) {
        this.lag = seconds;
        this.lagFloor = floorSeconds;
        return this;
    }

    public Autoscaler start(Duration interval) {
        timer.scheduleWithFixedDelay(this::tickQuietly, interval.toMillis(), interval.toMillis(),
                TimeUnit.MILLISECONDS);
        return this;
    }

    /** The parallelism the job last ran at (0 before it is known). */
    public int parallelism() {
        return parallelism;
    }

    /** The controller's latest reasoning, for the progress display. */
    public String status() {
        return status;
    }

    public synchronized List<Change> history() {
        return List.copyOf(history);
    }

    private void tickQuietly() {
        try {
            tick();
        } catch (IOException | RuntimeException e) {
            // the job may be restarting, rescaling or finishing: the next tick tries again
        }
    }

    /** One observation and decision (public for tests that drive the loop themselves). */
    public synchronized void tick() throws IOException {
        JobRest.Job job = rest.job();
        if (!job.running()) {
            lastLag = Double.NaN; // (the lag across a pause and replay says nothing about the load)
            return; // rescaling or restarting: no signals worth reading
        }
        int p = job.parallelism();
        parallelism = p;
        int asked = rest.requestedParallelism();
        long now = System.currentTimeMillis();
        if (asked != requested) {
            controller.override(asked);
            record(new Change(now, requested, asked, "requested through the REST endpoint (gridlet scale)", true));
            requested = asked;
            requestedAt = now;
        }
        if (requested != p && now - requestedAt < RESCALE_TIMEOUT_MILLIS) {
            lastLag = Double.NaN;
            status = "rescaling from " + p + " to " + requested; // decide on the new parallelism's signals
            return;
        }
        double busy = 0, backPressured = 0;
        for (JobRest.Vertex v : job.vertices()) {
            if (v.elastic()) busy = Math.max(busy, rest.load(v.id()).busyAvg() / 1000);
            else if (v.name().startsWith("Source")) backPressured = rest.load(v.id()).backPressuredAvg() / 1000;
        }
        ElasticityController.Decision d = controller.observe(
                new ElasticityController.Signals(now, p, busy, backPressured,
                        lagGrowing() && busy >= controller.settings().thresholds().targetBusy(), cpu()));
        status = d.reason();
        if (d.rescale()) {
            rest.rescale(d.parallelism());
            controller.rescaled(now);
            record(new Change(now, p, d.parallelism(), d.reason(), false));
            requested = d.parallelism();
            requestedAt = now;
        }
    }

    private boolean lagGrowing() {
        if (lag == null) return false;
        double now = lag.getAsDouble();
        if (Double.isNaN(now)) return false;
        boolean growing = !Double.isNaN(lastLag) && now > lastLag + 1 && now > lagFloor;
        lastLag = now;
        return growing;
    }

    private void record(Change change) {
        history.add(change);
        listener.accept(change);
    }

    private static double cpu() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof OperatingSystemMXBean os) {
            double load = os.getCpuLoad();
            return load < 0 ? Double.NaN : load;
        }
        return Double.NaN;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
