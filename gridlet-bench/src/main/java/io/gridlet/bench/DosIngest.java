package io.gridlet.bench;

import io.gridlet.adaptlets.builtin.Identities;
import io.gridlet.client.LivePolicies;
import io.gridlet.client.Meter;
import io.gridlet.client.MeterFleet;
import io.gridlet.core.model.Measurement;
import io.gridlet.flink.sink.ResultHub;
import io.gridlet.log.local.LocalLog;
import io.gridlet.server.live.Gateway;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * The ingest phases of {@link DosBenchmark}, on the live gateway (no job: the gateway and the local log with fsync
 * always, as {@code ./bench live --ingest-only} runs them): {@code --meters} meters (auth.hmac, authz, priority,
 * negotiated from the bundled policies) stream a DEBS-shaped data set at {@code --ingest-rate} readings/s in all
 * (0: as fast as acknowledged), and their goodput is the readings acknowledged per second. In {@code oversized},
 * a meter identity of its own ({@code mallory}: authenticated, authorised as a meter) sends batches of
 * {@code --oversized-mib} MiB of sealed-looking readings on {@code --oversized-streams} streams as fast as gRPC's
 * flow control takes them ({@link DosAttack.Oversized}); the gateway splits each into log entries of at most 1 MiB.
 */
final class DosIngest {
    private static final int PLUGS = 400;
    private final DosBenchmark bench;
    private final int meters;
    private final long rate;
    private final Identities ids = new Identities();
    private DebsShapedData.Columns data;
    private boolean warm;

    DosIngest(DosBenchmark bench) {
        this.bench = bench;
        this.meters = Integer.parseInt(bench.a.getOrDefault("meters", "10"));
        this.rate = Long.parseLong(bench.a.getOrDefault("ingest-rate", "100000"));
        for (int i = 0; i < meters; i++) {
            ids.add(MeterFleet.meterName(i), ("bench-secret-of-meter-" + i).getBytes(StandardCharsets.UTF_8), 2,
                    "meter");
        }
        ids.add(DosBenchmark.MALLORY, DosBenchmark.MALLORY_SECRET, 2, "meter");
    }

    DosBenchmark.Result phase(String id) throws Exception {
        if (data == null) {
            // enough readings for the whole phase at the offered rate (as acknowledged: at up to 600 k/s)
            long needed = (rate > 0 ? rate : 600_000) * (bench.seconds + 8L);
            double minutes = Math.ceil(needed / (PLUGS * 2.0 * 60));
            System.out.printf(Locale.ROOT, "ingest: generating %.0f min of %d plugs (%,d readings) ...%n", minutes,
                    PLUGS, (long) (minutes * 60 * PLUGS * 2));
            data = DebsShapedData.columns(DebsShapedData.config(PLUGS, minutes / 1440.0));
        }
        if (!warm) {
            warm = true;
            run("ingest warm-up (not reported)", false, 3);
        }
        return id.equals("ingest") ? run("ingest", false, bench.seconds) : run("oversized", true, bench.seconds);
    }

    private DosBenchmark.Result run(String id, boolean attack, int seconds) throws Exception {
        System.out.print(id + " ... ");
        System.out.flush();
        Path dir = Files.createTempDirectory("gridlet-dos-ingest");
        String hubName = "dos-" + System.nanoTime();
        MeterRegistry metrics = new SimpleMeterRegistry();
        List<String> notes = new ArrayList<>();
        List<String> fleetEvents = new ArrayList<>();
        LocalLog log = new LocalLog(dir.resolve("log"), LocalLog.Fsync.ALWAYS);
        Attacker attacker = null;
        Thread feeder = null;
        MeterFleet fleet = null;
        AtomicLong fed = new AtomicLong();
        try (Gateway gateway = Gateway.start(log, ResultHub.named(hubName), new Gateway.Settings(
                LivePolicies.bundled(LivePolicies.GATEWAY), ids, new InetSocketAddress("127.0.0.1", 0), metrics,
                () -> true))) {
            Meter.Settings settings = new Meter.Settings("127.0.0.1:" + gateway.port(),
                    LivePolicies.bundled(LivePolicies.CLIENT), 1000, 4000, 20);
            fleet = new MeterFleet(meters, ids, settings, rate, 0, e -> {
                synchronized (fleetEvents) {
                    if (fleetEvents.size() < 20) fleetEvents.add(e);
                }
            });
            MeterFleet f = fleet;
            feeder = new Thread(() -> {
                try {
                    f.feed(iterate(data));
                    fed.set(1);
                } catch (InterruptedException | IllegalStateException e) {
                    // closed at the end of the phase
                }
            }, "feeder");
            feeder.setDaemon(true);
            feeder.start();
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (fleet.counts().acknowledged() == 0 && System.nanoTime() < deadline) Thread.sleep(10);
            Thread.sleep(1000);
            if (attack) {
                Map<String, String> args = new LinkedHashMap<>();
                args.put("port", Integer.toString(gateway.port()));
                args.put("threads", bench.a.getOrDefault("attacker-threads", "1"));
                args.put("id", DosBenchmark.MALLORY);
                args.put("secret", Base64.getEncoder().encodeToString(DosBenchmark.MALLORY_SECRET));
                args.put("mib", bench.a.getOrDefault("oversized-mib", "3.9"));
                args.put("streams", bench.a.getOrDefault("oversized-streams", "1"));
                args.put("max-gib", bench.a.getOrDefault("max-gib", "8"));
                attacker = Attacker.start("oversized", args, bench.inProcess, bench.nice);
                if (attacker.await("ready", 60_000) == null) throw new IllegalStateException("attack not ready");
                Thread.sleep(1000);
            }
            long logBefore = size(dir);
            Map<String, Long> attackBefore = attacker == null ? Map.of() : attacker.countsNow();
            CpuWindow cpu = new CpuWindow(attacker, bench.profile);
            long t0 = System.nanoTime();
            long acked0 = fleet.counts().acknowledged();
            long last = acked0;
            long lastAt = t0;
            double worst = Double.MAX_VALUE;
            long end = t0 + seconds * 1_000_000_000L;
            while (System.nanoTime() < end && fed.get() == 0) {
                Thread.sleep(Math.max(1, Math.min(1000, (end - System.nanoTime()) / 1_000_000)));
                long now = System.nanoTime();
                long acked = fleet.counts().acknowledged();
                if (now - lastAt > 500_000_000L) worst = Math.min(worst, (acked - last) * 1e9 / (now - lastAt));
                last = acked;
                lastAt = now;
            }
            double elapsed = (System.nanoTime() - t0) / 1e9;
            long acked = fleet.counts().acknowledged() - acked0;
            cpu.end();
            long logAfter = size(dir);
            Map<String, Long> attackCounts = attacker == null ? Map.of()
                    : Attacker.delta(attackBefore, attacker.countsNow());
            if (attacker != null) notes.add("attackers in all (with the lead): " + DosBenchmark.all(attacker.stop()));
            if (attacker != null) {
                for (String e : attacker.events()) if (!e.equals("ready")) notes.add("attack: " + e);
            }
            double goodput = acked / elapsed;
            if (fed.get() != 0) {
                notes.add(String.format(Locale.ROOT, "the data ran out before the end of the phase: goodput over "
                        + "%.1f s", elapsed));
            }
            notes.add(String.format(Locale.ROOT, "meters: %d at %s; %,d readings acknowledged in %.1f s, worst "
                            + "second %,.0f/s; reconnects %d; log grew %,.0f MiB during the measurement", meters,
                    rate == 0 ? "as fast as acknowledged" : String.format(Locale.ROOT, "%,d readings/s in all", rate),
                    acked, elapsed, worst == Double.MAX_VALUE ? goodput : worst, fleet.counts().reconnects(),
                    (logAfter - logBefore) / 1048576.0));
            notes.add("gateway: " + ingestCounts(metrics));
            synchronized (fleetEvents) {
                if (!fleetEvents.isEmpty()) notes.add("meter events: " + fleetEvents);
            }
            notes.addAll(cpu.describe());
            String title = attack ? bench.a.getOrDefault("oversized-mib", "3.9") + " MiB batches, one meter"
                    : "meters, no attack";
            DosBenchmark.Result r = new DosBenchmark.Result(id, title,
                    id.equals("ingest") ? null : "ingest", goodput, "rd/s", -1, -1, attackCounts,
                    gateway.server().outcomes().snapshot(), Map.of(), notes, cpu.rest());
            System.out.printf(Locale.ROOT, "goodput %,.0f readings/s%n", goodput);
            // the meters and the attacker stop before the gateway does: closing it under load interrupts serving
            // workers in the middle of a log append, which closes the log's file channel under the writer
            if (attacker != null) attacker.close();
            fleet.close();
            return r;
        } finally {
            if (attacker != null) attacker.close();
            if (fleet != null) fleet.close();
            if (feeder != null) feeder.interrupt();
            ResultHub.remove(hubName);
            delete(dir);
        }
    }

    private static Map<String, Long> ingestCounts(MeterRegistry metrics) {
        Map<String, Long> out = new TreeMap<>();
        metrics.getMeters().forEach(m -> {
            String name = m.getId().getName();
            if (!name.startsWith("gridlet.ingest") || !(m instanceof Counter c) || c.count() == 0) return;
            String outcome = m.getId().getTag("outcome");
            out.put(name.substring("gridlet.ingest.".length()) + (outcome == null ? "" : "/" + outcome),
                    (long) c.count());
        });
        return out;
    }

    private static long size(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        } catch (IOException | UncheckedIOException e) {
            return 0;
        }
    }

    private static void delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            System.err.println("could not delete " + dir + ": " + e);
        }
    }

    private static Iterator<Measurement> iterate(DebsShapedData.Columns data) {
        return new Iterator<>() {
            int i;

            @Override
            public boolean hasNext() {
                return i < data.size;
            }

            @Override
            public Measurement next() {
                return data.measurement(i++);
            }
        };
    }
}
