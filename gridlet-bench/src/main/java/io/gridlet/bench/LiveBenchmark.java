package io.gridlet.bench;

import io.gridlet.adaptlets.builtin.Identities;
import io.gridlet.client.LivePolicies;
import io.gridlet.client.Meter;
import io.gridlet.client.MeterFleet;
import io.gridlet.core.engine.QueryConfig;
import io.gridlet.core.generate.GeneratorConfig;
import io.gridlet.core.model.Measurement;
import io.gridlet.flink.FlinkRun;
import io.gridlet.flink.operators.Boundary;
import io.gridlet.flink.operators.GateCounts;
import io.gridlet.flink.sink.ResultHub;
import io.gridlet.log.local.LocalLog;
import io.gridlet.server.live.Gateway;
import io.gridlet.server.live.LiveJob;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The live service end to end on one machine, in one process: a fleet of meters (gRPC on loopback, sessions with
 * auth.hmac + authz + priority negotiated from the bundled ingest policies; the puzzle negotiated off at this load)
 * streams a DEBS-shaped data set as fast as it is acknowledged through the gateway into the local log (fsync
 * always, group commit) and the embedded job; results go to the subscriber hub.
 *
 * <p>Reports: sustained ingest (acknowledged readings/s over the middle 80 % of the run), the job's rate, and the
 * latency from the arrival at the gateway of the reading that makes a result computable (the first reading past
 * the result's time plus the max lateness: before it the result cannot be final) to the result's delivery to the
 * hub, p50/p99/max over all results and over those after the first 20 % of the data (warm-up); and the cores used
 * while the meters stream, by thread group (meters, Netty, log, job tasks, ...) and for the machine as a whole:
 * where the machine is already busy, another log partition (another source and gate) has no core to run on; and
 * this JVM's CPU per reading, streaming and the job's tail after the last acknowledgement together: what a
 * configuration costs in work, whatever the cores; over several partitions, the most readings a keyed instance held
 * at once for a partition ahead of the others.
 *
 * <p>Run: {@code ./bench live [--plugs 400] [--minutes 30] [--meters 10] [--lateness 300] [--fsync always|never]
 * [--batch 1000] [--parallelism 1] [--partitions 1] [--rate R] [--warmup M]}: {@code --partitions} splits the log,
 * each partition read by its own source and order gate; {@code --rate} caps the fleet's readings/s (0, the default:
 * as fast as acknowledged), for latency below saturation; {@code --ingest-only} runs no job (the gateway and the log
 * alone: what ingest costs); {@code --warmup M} first streams M minutes of data (before the measured
 * {@code --minutes}), unmeasured, and waits until the job's order gate has read them: what is measured is then the
 * service running, not starting (on 2 cores the JIT compiler takes about a quarter of the machine for the first
 * half minute or more: after {@code --warmup 960}, about a minute here, under a tenth). The job's state then holds
 * the warm-up's data too (Q2's day window): checkpoints are larger, as a service's are once it has run a day. The
 * gate still holds the warm-up's last {@code --lateness} of readings; they are processed within the measured
 * window (at 400 plugs, 300 s: 240 k readings, about 2 % of 240 minutes' CPU per reading). The "job" and "wire"
 * lines count the warm-up's readings too.
 */
public final class LiveBenchmark {
    public static void main(String[] args) throws Exception {
        int plugs = 400, meters = 10, batch = 1000, parallelism = 1, partitions = 1;
        long rate = 0;
        boolean ingestOnly = false;
        double minutes = 30, warmup = 0;
        long lateness = 300;
        LocalLog.Fsync fsync = LocalLog.Fsync.ALWAYS;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--plugs" -> plugs = Integer.parseInt(args[++i]);
                case "--minutes" -> minutes = Double.parseDouble(args[++i]);
                case "--warmup" -> warmup = Double.parseDouble(args[++i]);
                case "--meters" -> meters = Integer.parseInt(args[++i]);
                case "--lateness" -> lateness = Long.parseLong(args[++i]);
                case "--batch" -> batch = Integer.parseInt(args[++i]);
                case "--parallelism" -> parallelism = Integer.parseInt(args[++i]);
                case "--partitions" -> partitions = Integer.parseInt(args[++i]);
                case "--rate" -> rate = Long.parseLong(args[++i]);
                case "--ingest-only" -> ingestOnly = true;
                case "--fsync" -> fsync = LocalLog.Fsync.valueOf(args[++i].toUpperCase(Locale.ROOT));
                default -> {
                    System.err.println("usage: LiveBenchmark [--plugs N (multiple of 40)] [--minutes M] [--meters N]"
                            + " [--lateness S] [--batch N] [--parallelism P] [--partitions N] [--fsync always|never] [--rate R]"
                            + " [--warmup M] [--ingest-only]");
                    System.exit(2);
                }
            }
        }
        if (minutes <= 0 || warmup < 0) throw new IllegalArgumentException("--minutes must be > 0, --warmup >= 0");
        GeneratorConfig config = DebsShapedData.config(plugs, (warmup + minutes) / 1440.0);
        DebsShapedData.Columns data = DebsShapedData.columns(config);
        int total = data.size;
        long t0 = data.ts[0];
        int span = (int) (data.ts[total - 1] - t0) + 2;
        // the warm-up: the readings before data second t0 + warmup minutes (the data is in timestamp order)
        long measuredFrom = t0 + Math.round(warmup * 60);
        int first = firstAtOrAfter(data.ts, total, measuredFrom);
        int n = total - first; // the measured readings
        System.out.printf(Locale.ROOT, "machine: %d cores, Java %s; data: %d plugs, %.0f min, %,d readings%s; "
                        + "%d meters, batches of %d, lateness %d s, fsync %s, parallelism %d, log partitions %d, rate %s%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), plugs, minutes, n,
                first == 0 ? "" : String.format(Locale.ROOT, " after a warm-up of %.0f min (%,d readings)", warmup,
                        first),
                meters, batch, lateness, fsync.name().toLowerCase(Locale.ROOT), parallelism, partitions,
                rate == 0 ? "as acknowledged" : rate + "/s");

        Path dir = Files.createTempDirectory("gridlet-live-bench");
        BenchFiles.deleteOnExit(dir); // (the log and the job's files: hundreds of MB a run)
        Identities ids = new Identities();
        for (int i = 0; i < meters; i++) {
            ids.add(MeterFleet.meterName(i), ("bench-secret-of-meter-" + i).getBytes(), 2, "meter");
        }
        // arrival[s]: when the first reading of data second t0 + s (or later) reached the gateway
        AtomicLongArray arrival = new AtomicLongArray(span);
        AtomicLong newest = new AtomicLong(-1);
        long[] delivered = new long[span * 64];
        AtomicLong results = new AtomicLong();
        long[] resultOrder = new long[delivered.length];
        LocalLog log = new LocalLog(dir.resolve("log"), fsync, LocalLog.DEFAULT_SEGMENT_BYTES, partitions);
        String hubName = "bench-" + System.nanoTime();
        ResultHub hub = ResultHub.named(hubName);
        hub.listen(r -> {
            long now = System.nanoTime();
            int k = (int) results.getAndIncrement();
            if (k < delivered.length) {
                delivered[k] = now;
                resultOrder[k] = r.order();
            }
        });
        MeterRegistry metrics = new SimpleMeterRegistry();
        long ackedAt20 = 0, ackedAt90 = 0, time20 = 0, time90 = 0;
        long started;
        CpuWindow cpu;
        FlinkRun.Outcome outcome;
        long disorder;
        try (LiveJob job = ingestOnly ? null : LiveJob.start(log, new LiveJob.Settings(QueryConfig.DEFAULT,
                lateness, Duration.ofSeconds(5), parallelism, parallelism, Boundary.PLAIN), dir.resolve("out"),
                hubName, true);
             Gateway gateway = Gateway.start(log, hub, new Gateway.Settings(
                     LivePolicies.bundled(LivePolicies.GATEWAY), ids, new InetSocketAddress("127.0.0.1", 0),
                     metrics, () -> true).appended(readings -> {
                         long latest = Long.MIN_VALUE;
                         for (Measurement m : readings) latest = Math.max(latest, m.timestamp());
                         long s = latest - t0;
                         long before = newest.getAndAccumulate(s, Math::max);
                         if (s > before) {
                             long now = System.nanoTime();
                             for (long k = before + 1; k <= s; k++) arrival.set((int) k, now);
                         }
                     }))) {
            if (job != null) job.job(Duration.ofSeconds(60));
            Meter.Settings settings = new Meter.Settings("127.0.0.1:" + gateway.port(),
                    LivePolicies.bundled(LivePolicies.CLIENT), batch, batch * 4, 20);
            try (MeterFleet fleet = new MeterFleet(meters, ids, settings, rate, 0, e -> System.err.println("fleet: " + e))) {
                long fromAcked = first == 0 ? 0 : warmUp(fleet, iterate(data, 0, first), first, job);
                Thread feeder = new Thread(() -> {
                    try {
                        fleet.feed(iterate(data, first, total));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                cpu = new CpuWindow(null, false); // where the cores go while the meters stream
                started = System.nanoTime();
                feeder.start();
                long polls = 0;
                while (feeder.isAlive()) {
                    long acked = fleet.counts().acknowledged() - fromAcked;
                    long now = System.nanoTime();
                    if (time20 == 0 && acked >= n / 5) {
                        time20 = now;
                        ackedAt20 = acked;
                    }
                    if (time90 == 0 && acked >= n * 9L / 10) {
                        time90 = now;
                        ackedAt90 = acked;
                    }
                    if (++polls % 20 == 0) System.err.printf(Locale.ROOT, "acked %,d of %,d readings%n", acked, n);
                    Thread.sleep(50);
                }
                fleet.finish(600_000);
                cpu.end(); // every reading acknowledged (the meters' threads end then: counted as last seen)
                System.out.println("sessions  : " + fleet.meters().get(0).configuration() + " (meter-0; reconnects "
                        + fleet.counts().reconnects() + ")");
                long wire = 0;
                for (Meter m : fleet.meters()) wire += m.wireBytes();
                System.out.printf(Locale.ROOT, "wire      : %.1f bytes per reading in batch messages (%,d bytes for %,d "
                        + "readings acknowledged; gRPC and HTTP/2 framing not counted)%n",
                        (double) wire / fleet.counts().acknowledged(), wire, fleet.counts().acknowledged());
                if (time90 == 0) {
                    time90 = System.nanoTime();
                    ackedAt90 = fleet.counts().acknowledged() - fromAcked;
                }
            }
            long ackedAll = System.nanoTime();
            double ingest = (ackedAt90 - ackedAt20) * 1e9 / (time90 - time20);
            System.out.printf(Locale.ROOT, "ingest    : %.0f k readings/s acknowledged (middle 70 %%), %.0f k/s over "
                    + "the whole run (%.1f s)%n", ingest / 1e3, n * 1e9 / (ackedAll - started) / 1e3,
                    (ackedAll - started) / 1e9);
            // a second partition can only add throughput where a core is left: this says whether one was
            for (String line : cpu.describe()) System.out.println(line.replace("benchmark JVM", "this JVM"));
            if (job == null) {
                System.out.println("job       : none (--ingest-only)");
                System.exit(0);
            }
            // the job's work left after the last acknowledgement (its total only: the job's threads end within it)
            CpuWindow tail = new CpuWindow(null, false);
            gateway.endOfData();
            outcome = job.await(Duration.ofMinutes(30));
            tail.end();
            disorder = gateway.disorderSeconds();
            System.out.printf(Locale.ROOT, "job       : %,d readings, %d rejected (late: disorder at the log "
                    + "%d s, lateness %d s), finished %.1f s after the last ack%n", outcome.counts().lines(),
                    outcome.counts().rejections().total(), disorder, lateness,
                    (System.nanoTime() - ackedAll) / 1e9);
            if (partitions > 1) {
                System.out.printf(Locale.ROOT, "held      : at most %,d readings held at once by a keyed instance for"
                        + " a partition ahead of the others%n", outcome.mostHeldAhead());
            }
            // the cost per reading, whatever the cores: what a second partition adds or saves in work
            System.out.printf(Locale.ROOT, "cpu/read  : %.2f µs of this JVM's CPU per reading (%.2f while streaming, "
                    + "%.2f in the tail)%n", (cpu.processSeconds() + tail.processSeconds()) * 1e6 / n,
                    cpu.processSeconds() * 1e6 / n, tail.processSeconds() * 1e6 / n);
        }
        int k = (int) Math.min(results.get(), delivered.length);
        long lastArrival = newest.get();
        long[] all = new long[k], warm = new long[k];
        int a = 0, w = 0;
        for (int i = 0; i < k; i++) {
            long releasedBy = resultOrder[i] - t0 + lateness + 1; // the first reading that makes it final
            if (releasedBy > lastArrival) continue; // released by the end of data, not by a reading
            long from = arrival.get((int) releasedBy);
            if (from == 0 || resultOrder[i] < measuredFrom) continue; // (not a result of the warm-up's data)
            all[a++] = delivered[i] - from;
            // after the first 20 % of the measured data
            if (resultOrder[i] - measuredFrom >= (span - (measuredFrom - t0)) / 5) warm[w++] = delivered[i] - from;
        }
        report("latency   ", Arrays.copyOf(all, a), "all results released by a reading");
        report("          ", Arrays.copyOf(warm, w), "after the first 20 % of the data (JIT warm-up, job start)");
        System.out.printf(Locale.ROOT, "results   : %,d delivered, %,d produced again after restarts and dropped%n",
                results.get(), hub.repeated());
        ResultHub.remove(hubName);
        System.exit(0);
    }

    private static void report(String label, long[] latency, String what) {
        Arrays.sort(latency);
        int m = latency.length;
        System.out.printf(Locale.ROOT, "%s: p50 %.0f ms, p99 %.0f ms, max %.0f ms over %,d results: %s%n", label,
                pct(latency, 0.50) / 1e6, pct(latency, 0.99) / 1e6, m == 0 ? 0 : latency[m - 1] / 1e6, m, what);
    }

    private static double pct(long[] sorted, double p) {
        return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) (p * sorted.length))];
    }

    /**
     * Streams the warm-up's readings and waits until all are acknowledged and the job's order gate has read them all
     * (then a second more, for its keyed stages), with progress; returns the readings acknowledged.
     */
    private static long warmUp(MeterFleet fleet, Iterator<Measurement> readings, int count, LiveJob job)
            throws InterruptedException {
        long start = System.nanoTime();
        fleet.feed(readings);
        while (fleet.counts().acknowledged() < count) {
            if (System.nanoTime() - start > 600e9) throw new IllegalStateException("the warm-up's readings were"
                    + " not all acknowledged in 10 minutes: " + fleet.counts().acknowledged() + " of " + count);
            Thread.sleep(50);
        }
        long acked = System.nanoTime();
        String read = "";
        if (job != null) {
            // (the job's counts come with Flink's heartbeats: seconds late)
            for (GateCounts c; (c = job.run().progress()) == null || c.lines() < count; Thread.sleep(200)) {
                if (System.nanoTime() - start > 1200e9) throw new IllegalStateException("the job did not read the"
                        + " warm-up's readings in 20 minutes: " + (c == null ? "no count" : c.lines()));
            }
            Thread.sleep(1000);
            read = String.format(Locale.ROOT, ", read by the job %.1f s later", (System.nanoTime() - acked) / 1e9);
        }
        System.err.printf(Locale.ROOT, "warm-up: %,d readings acknowledged in %.1f s%s; measuring%n", count,
                (acked - start) / 1e9, read);
        return fleet.counts().acknowledged();
    }

    /** The index of the first of the first {@code n} timestamps (ascending) at or after {@code t}. */
    private static int firstAtOrAfter(long[] ts, int n, long t) {
        int i = 0;
        while (i < n && ts[i] < t) i++;
        return i;
    }

    private static Iterator<Measurement> iterate(DebsShapedData.Columns data, int from, int to) {
        return new Iterator<>() {
            int i = from;

            @Override
            public boolean hasNext() {
                return i < to;
            }

            @Override
            public Measurement next() {
                return data.measurement(i++);
            }
        };
    }
}
