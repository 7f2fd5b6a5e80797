package io.gridlet.server.observe;

import io.gridlet.core.accuracy.SliceLoads;
import io.gridlet.core.csv.MeasurementReader;
import io.gridlet.core.engine.QueryConfig;
import io.gridlet.core.model.Measurement;
import io.gridlet.core.result.ResultLines;
import io.gridlet.flink.elastic.Autoscaler;
import io.gridlet.flink.operators.ResultRecord;
import io.gridlet.flink.sink.ResultHub;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.node.ArrayNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * What the dashboard page shows, kept in memory and served as JSON ({@link #state}): once a second, throughput
 * (readings per second), the job's lag and parallelism (the last 15 minutes), with the rescales and their reasons;
 * rejections by reason and security events (what the adaptlets refused) so far, from the meters of the registry;
 * and, from the readings and the results themselves, each house's Q1 forecasts against the load then measured,
 * and Q2's outlier shares of its households over time (the last {@link #KEPT_SLICES} slices and
 * {@link #KEPT_SHARES} shares of each). A sealed service shows neither: its readings and results are opened only
 * inside the boundary. Bounded: the houses and households it keeps are at most {@link #MAX_HOUSES}.
 */
public final class Dashboard implements AutoCloseable {
    static final int KEPT_SAMPLES = 900;
    static final int KEPT_SLICES = 400;
    static final int KEPT_SHARES = 400;
    static final int MAX_HOUSES = 1_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final MeterRegistry registry;
    private final String throughputMeter;
    private final Supplier<Autoscaler> autoscaler;
    private final boolean sealed;
    private final ScheduledExecutorService timer;
    private final List<ResultHub.Listening> listening = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile boolean closed;

    private record Sample(long timeMillis, double readingsPerSecond, double lagSeconds, double parallelism) {
    }

    private final ArrayDeque<Sample> samples = new ArrayDeque<>(); // guarded by this
    private double lastCount = Double.NaN; // guarded by this
    private long lastCountAt;

    private final Map<Integer, SliceLoads> measured = new HashMap<>(); // guarded by this
    private final Map<Integer, Map<Long, TreeMap<Long, Double>>> forecasts = new HashMap<>(); // size -> house -> ts
    private final Map<Long, Map<Long, TreeMap<Long, Double>>> shares = new HashMap<>(); // house -> household -> ts
    private final TreeSet<Long> houses = new TreeSet<>();
    private long newestSlice60 = Long.MIN_VALUE;

    /**
     * @param throughputMeter the counter of readings whose rate is the throughput ({@code
     *                        gridlet.ingest.readings} accepted for the service, {@code gridlet.job.readings} for a run)
     * @param autoscaler      the autoscaler, whose history is the rescales (null, or giving null, if none)
     */
    public Dashboard(MeterRegistry registry, String throughputMeter, QueryConfig queries,
                     Supplier<Autoscaler> autoscaler, boolean sealed) {
        this.registry = registry;
        this.throughputMeter = throughputMeter;
        this.autoscaler = autoscaler == null ? () -> null : autoscaler;
        this.sealed = sealed;
        for (int s : queries.sliceSeconds()) {
            measured.put(s, new SliceLoads(queries.epoch(), s));
            forecasts.put(s, new HashMap<>());
        }
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "gridlet-dashboard");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleAtFixedRate(this::sample, 0, 1, TimeUnit.SECONDS);
    }

    private void sample() {
        try {
            double count = counted(throughputMeter);
            double lag = gauge("gridlet.job.lag"), parallelism = gauge("gridlet.job.parallelism");
            long now = System.currentTimeMillis();
            synchronized (this) {
                double rate = Double.isNaN(lastCount) ? Double.NaN
                        : Math.max(0, (count - lastCount) * 1000.0 / Math.max(1, now - lastCountAt));
                lastCount = count;
                lastCountAt = now;
                samples.addLast(new Sample(now, rate, lag, parallelism));
                while (samples.size() > KEPT_SAMPLES) samples.removeFirst();
            }
        } catch (RuntimeException e) {
            // a meter read while the job changes state: the next second samples again
        }
    }

    /** The count whose rate is the throughput: the service's accepted readings, or the job's readings read. */
    private double counted(String name) {
        if (name.equals("gridlet.ingest.readings")) {
            Counter accepted = registry.find(name).tag("outcome", "accepted").counter();
            return accepted == null ? 0 : accepted.count();
        }
        FunctionCounter read = registry.find(name).functionCounter();
        return read == null ? 0 : read.count();
    }

    private double gauge(String name) {
        Gauge g = registry.find(name).gauge();
        return g == null ? Double.NaN : g.value();
    }

    /** Shows the results published to this hub, until closed. */
    public void listenTo(ResultHub hub) {
        listening.add(hub.listen(this::result));
    }

    /**
     * Reads a run's input in the background, as far ahead of the job's data time ({@code dataTime}, seconds) as
     * the longest slice and a little: the load measured for the forecasts the job gives.
     */
    public void follow(InputStream csv, LongSupplier dataTime) {
        Thread t = new Thread(() -> {
            try (MeasurementReader reader = new MeasurementReader(csv, (line, reason, message, text) -> { })) {
                for (Measurement m = reader.next(); m != null && !closed; m = reader.next()) {
                    while (!closed && m.timestamp() > dataTime.getAsLong() + 3 * 7200) Thread.sleep(100);
                    reading(m);
                }
            } catch (IOException | InterruptedException e) {
                // the run ended, or its input went away: nothing more to show
            }
        }, "gridlet-dashboard-input");
        t.setDaemon(true);
        t.start();
    }

    /** Readings the service took (plain ones only: a sealed service never shows one). */
    public synchronized void readings(List<Measurement> readings) {
        for (Measurement m : readings) reading(m);
    }

    /** A reading the service took, or the run read. */
    public synchronized void reading(Measurement m) {
        if (sealed || !m.isLoad()) return;
        if (!houses.contains(m.houseId()) && houses.size() >= MAX_HOUSES) return;
        houses.add(m.houseId());
        for (SliceLoads l : measured.values()) l.add(m);
        SliceLoads minute = measured.get(60);
        long slice = minute == null ? Long.MIN_VALUE : minute.slice(m.timestamp());
        if (slice > newestSlice60 + 60) { // forget old slices now and then, not on every reading
            newestSlice60 = slice;
            for (SliceLoads l : measured.values()) {
                l.forgetBefore(l.slice(m.timestamp()) - KEPT_SLICES);
            }
        }
    }

    /** A result of the job (Q1 house forecasts and Q2 shares are kept; sealed ones cannot be read here). */
    public synchronized void result(ResultRecord r) {
        if (sealed) return;
        String[] f = r.line().split(",");
        try {
            for (Map.Entry<Integer, Map<Long, TreeMap<Long, Double>>> e : forecasts.entrySet()) {
                if (!r.file().equals(ResultLines.houseFile(e.getKey()))) continue;
                long house = Long.parseLong(f[1]);
                if (!houses.contains(house) && houses.size() >= MAX_HOUSES) return;
                houses.add(house);
                keep(e.getValue().computeIfAbsent(house, h -> new TreeMap<>()), Long.parseLong(f[0]),
                        Double.parseDouble(f[2]), KEPT_SLICES);
                return;
            }
            if (r.file().equals(ResultLines.outlierFile(QueryConfig.DEFAULT_WINDOWS[0]))) {
                long household = Long.parseLong(f[2]), house = Long.parseLong(f[3]);
                if (!houses.contains(house) && houses.size() >= MAX_HOUSES) return;
                houses.add(house);
                Map<Long, TreeMap<Long, Double>> of = shares.computeIfAbsent(house, h -> new HashMap<>());
                if (of.size() >= 64 && !of.containsKey(household)) return;
                keep(of.computeIfAbsent(household, h -> new TreeMap<>()), Long.parseLong(f[1]),
                        Double.parseDouble(f[4]), KEPT_SHARES);
            }
        } catch (RuntimeException e) {
            // not a line of the definition's format: not shown
        }
    }

    private static void keep(TreeMap<Long, Double> series, long ts, double value, int kept) {
        series.put(ts, value);
        while (series.size() > kept) series.pollFirstEntry();
    }

    /** Everything the page draws, for one house and slice size, as JSON. */
    public synchronized String state(long house, int sliceSeconds) {
        ObjectNode root = JSON.createObjectNode();
        root.put("sealed", sealed);
        ArrayNode t = root.putArray("time"), rate = root.putArray("readingsPerSecond"),
                lag = root.putArray("lagSeconds"), parallelism = root.putArray("parallelism");
        for (Sample s : samples) {
            t.add(s.timeMillis() / 1000.0);
            number(rate, s.readingsPerSecond());
            number(lag, s.lagSeconds());
            number(parallelism, s.parallelism());
        }
        ArrayNode rescales = root.putArray("rescales");
        Autoscaler a = autoscaler.get();
        if (a != null) {
            for (Autoscaler.Change c : a.history()) {
                rescales.addObject().put("time", c.timeMillis() / 1000.0).put("from", c.from()).put("to", c.to())
                        .put("reason", c.reason()).put("manual", c.manual());
            }
        }
        ObjectNode rejected = root.putObject("rejections");
        registry.find("gridlet.job.rejected").meters().forEach(m -> add(rejected, "job " + m.getId().getTag("reason"),
                ((FunctionCounter) m).count()));
        registry.find("gridlet.ingest.readings").counters().forEach(c -> {
            String outcome = c.getId().getTag("outcome");
            if (outcome != null && outcome.startsWith("rejected-")) {
                add(rejected, "gateway " + outcome.substring("rejected-".length()), c.count());
            }
        });
        ObjectNode security = root.putObject("security");
        registry.find("gridlet.adaptlet.calls").counters().forEach(c -> {
            String outcome = c.getId().getTag("outcome");
            if (outcome != null && !outcome.equals("accepted") && !outcome.equals("opened")) {
                add(security, c.getId().getTag("adaptlet") + " " + outcome, c.count());
            }
        });
        registry.find("gridlet.admission.refused").counters().forEach(c ->
                add(security, "refused " + c.getId().getTag("reason"), c.count()));
        ArrayNode houseList = root.putArray("houses");
        houses.forEach(houseList::add);
        root.put("house", house).put("slice", sliceSeconds);
        ArrayNode ft = root.putArray("forecastTime"), forecast = root.putArray("forecast"),
                actual = root.putArray("actual");
        SliceLoads loads = measured.get(sliceSeconds);
        Map<Long, TreeMap<Long, Double>> bySlice = forecasts.get(sliceSeconds);
        TreeMap<Long, Double> f = bySlice == null ? null : bySlice.get(house);
        if (f != null && loads != null) {
            f.forEach((ts, v) -> {
                ft.add(ts);
                forecast.add(v);
                number(actual, loads.house(house, loads.slice(ts)));
            });
        }
        ObjectNode outliers = root.putObject("shares");
        shares.getOrDefault(house, Map.of()).entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
            ObjectNode series = outliers.putObject(Long.toString(e.getKey()));
            ArrayNode st = series.putArray("time"), sv = series.putArray("share");
            e.getValue().forEach((ts, v) -> {
                st.add(ts);
                sv.add(v);
            });
        });
        return root.toString();
    }

    private static void add(ObjectNode into, String key, double value) {
        if (value > 0) into.put(key, into.path(key).asDouble(0) + value);
    }

    private static void number(ArrayNode into, double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) into.addNull();
        else into.add(v);
    }

    @Override
    public void close() {
        closed = true;
        timer.shutdownNow();
        listening.forEach(ResultHub.Listening::close);
    }
}
