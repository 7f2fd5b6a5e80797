package io.gridlet.server.observe;

import io.gridlet.core.accuracy.ForecastAccuracy;
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
 * inside the boundary. Bounded: at most {@link #MAX_HOUSES} houses, {@link #MAX_PLUGS} plugs and
 * {@link #MAX_HOUSEHOLDS_PER_HOUSE} households per house are shown (others are left out), each series its recent
 * slices only. The meters are read outside its lock, which the ingest and result paths take only to copy.
 */
public final class Dashboard implements AutoCloseable {
    static final int KEPT_SAMPLES = 900;
    static final int KEPT_SLICES = 400;
    static final int KEPT_SHARES = 120;
    static final int MAX_HOUSES = 200;
    static final int MAX_PLUGS = 4_000;
    static final int MAX_HOUSEHOLDS_PER_HOUSE = 16;
    /** Seconds of throughput the rate is taken over (smooths the second-to-second jitter of the counts). */
    static final int RATE_WINDOW = 5;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final MeterRegistry registry;
    private final String throughputMeter;
    private final Supplier<Autoscaler> autoscaler;
    private final boolean sealed;
    private final ScheduledExecutorService timer;
    private final List<ResultHub.Listening> listening = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile boolean closed;
    static final int PENDING_BATCHES = 4_096;
    private final java.util.concurrent.BlockingQueue<List<Measurement>> pending =
            new java.util.concurrent.ArrayBlockingQueue<>(PENDING_BATCHES);
    private final java.util.concurrent.atomic.LongAdder dropped = new java.util.concurrent.atomic.LongAdder();

    private record Sample(long timeMillis, double count, double readingsPerSecond, double lagSeconds,
                          double parallelism) {
    }

    private final ArrayDeque<Sample> samples = new ArrayDeque<>(); // guarded by this
    private final java.util.Set<SliceLoads.Plug> plugsSeen = new java.util.HashSet<>(); // guarded by this
    private long newestTimestamp = Long.MIN_VALUE; // guarded by this

    private final Map<Integer, SliceLoads> measured = new HashMap<>(); // guarded by this
    private final Map<Integer, Map<Long, TreeMap<Long, Double>>> forecasts = new HashMap<>(); // size -> house -> ts
    private final Map<Long, Map<Long, TreeMap<Long, Double>>> shares = new HashMap<>(); // house -> household -> ts
    private final TreeSet<Long> houses = new TreeSet<>();
    private long forgotAt = Long.MIN_VALUE; // guarded by this

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
        timer.scheduleWithFixedDelay(this::drain, 100, 100, TimeUnit.MILLISECONDS);
    }

    private void sample() {
        try {
            double count = counted(throughputMeter); // (the meters are read outside the lock)
            double lag = gauge("gridlet.job.lag"), parallelism = gauge("gridlet.job.parallelism");
            long now = System.currentTimeMillis();
            synchronized (this) {
                double rate = Double.NaN;
                Sample from = null;
                int back = 0;
                for (java.util.Iterator<Sample> it = samples.descendingIterator(); it.hasNext() && back < RATE_WINDOW;
                     back++) {
                    from = it.next();
                }
                if (from != null) rate = Math.max(0, (count - from.count()) * 1000.0 / Math.max(1, now - from.timeMillis()));
                samples.addLast(new Sample(now, count, rate, lag, parallelism));
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
    public void readings(List<Measurement> readings) {
        // called on the ingest path, under the gateway's lock: only handed over here, applied on the dashboard's
        // thread; past PENDING_BATCHES waiting, a batch is left out and counted (the page says so)
        if (!sealed && !pending.offer(readings)) dropped.add(readings.size());
    }

    /** Applies the batches the gateway handed over. */
    private void drain() {
        for (List<Measurement> batch = pending.poll(); batch != null; batch = pending.poll()) {
            synchronized (this) {
                for (Measurement m : batch) reading(m);
            }
        }
    }

    /** A reading the run read (the service's come in batches, {@link #readings}). */
    public synchronized void reading(Measurement m) {
        if (sealed || !m.isLoad()) return;
        if (!houses.contains(m.houseId()) && houses.size() >= MAX_HOUSES) return;
        SliceLoads.Plug plug = new SliceLoads.Plug(m.houseId(), m.householdId(), m.plugId());
        if (!plugsSeen.contains(plug)) {
            if (plugsSeen.size() >= MAX_PLUGS) return;
            plugsSeen.add(plug);
        }
        houses.add(m.houseId());
        for (SliceLoads l : measured.values()) l.add(m);
        newestTimestamp = Math.max(newestTimestamp, m.timestamp());
        if (newestTimestamp >= forgotAt + 3600) { // forget old slices each hour of data time, not on every reading
            forgotAt = newestTimestamp;
            for (SliceLoads l : measured.values()) l.forgetBefore(l.slice(newestTimestamp) - KEPT_SLICES);
        }
    }

    /** A result of the job (Q1 house forecasts and Q2 shares are kept; sealed ones cannot be read here). */
    public synchronized void result(ResultRecord r) {
        if (sealed || r.file().startsWith("q1-plug-")) return;
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
                if (of.size() >= MAX_HOUSEHOLDS_PER_HOUSE && !of.containsKey(household)) return;
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
    public String state(long house, int sliceSeconds) {
        ObjectNode root = JSON.createObjectNode();
        root.put("sealed", sealed);
        // what the meters and the autoscaler say, read before taking the lock (they may wait on the job)
        ArrayNode rescales = JSON.createArrayNode();
        Autoscaler a = autoscaler.get();
        if (a != null) {
            for (Autoscaler.Change c : a.history()) {
                rescales.addObject().put("time", c.timeMillis() / 1000.0).put("from", c.from()).put("to", c.to())
                        .put("reason", c.reason()).put("manual", c.manual());
            }
        }
        ObjectNode rejected = JSON.createObjectNode();
        registry.find("gridlet.job.rejected").functionCounters().forEach(m ->
                add(rejected, "job " + m.getId().getTag("reason"), m.count()));
        registry.find("gridlet.ingest.readings").counters().forEach(c -> {
            String outcome = c.getId().getTag("outcome");
            if (outcome != null && outcome.startsWith("rejected-")) {
                add(rejected, "gateway " + outcome.substring("rejected-".length()), c.count());
            }
        });
        ObjectNode security = JSON.createObjectNode();
        registry.find("gridlet.adaptlet.calls").counters().forEach(c -> {
            String outcome = c.getId().getTag("outcome");
            if (outcome != null && !REGULAR.contains(outcome)) {
                add(security, c.getId().getTag("adaptlet") + " " + outcome, c.count());
            }
        });
        registry.find("gridlet.admission.refused").counters().forEach(c ->
                add(security, "refused " + c.getId().getTag("reason"), c.count()));
        root.put("readingsLeftOut", dropped.sum());
        synchronized (this) {
            ArrayNode t = root.putArray("time"), rate = root.putArray("readingsPerSecond"),
                    lag = root.putArray("lagSeconds"), parallelism = root.putArray("parallelism");
            for (Sample s : samples) {
                t.add(s.timeMillis() / 1000.0);
                number(rate, s.readingsPerSecond());
                number(lag, s.lagSeconds());
                number(parallelism, s.parallelism());
            }
            root.set("rescales", rescales);
            root.set("rejections", rejected);
            root.set("security", security);
            ArrayNode houseList = root.putArray("houses");
            houses.forEach(h -> houseList.add(Long.toString(h))); // (ids as text: JavaScript numbers stop at 2^53)
            root.put("house", Long.toString(house)).put("slice", sliceSeconds);
            forecastPanel(root, house, sliceSeconds);
            ObjectNode outliers = root.putObject("shares");
            shares.getOrDefault(house, Map.of()).entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
                ObjectNode series = outliers.putObject(Long.toString(e.getKey()));
                ArrayNode st = series.putArray("time"), sv = series.putArray("share");
                e.getValue().forEach((ts, v) -> {
                    st.add(ts);
                    sv.add(v);
                });
            });
        }
        return root.toString();
    }

    /** The forecasts of a house against the measured load, and their errors over the slices measured whole. */
    private void forecastPanel(ObjectNode root, long house, int sliceSeconds) {
        ArrayNode ft = root.putArray("forecastTime"), forecast = root.putArray("forecast"),
                actual = root.putArray("actual");
        SliceLoads loads = measured.get(sliceSeconds);
        Map<Long, TreeMap<Long, Double>> bySlice = forecasts.get(sliceSeconds);
        TreeMap<Long, Double> f = bySlice == null ? null : bySlice.get(house);
        ForecastAccuracy.Errors errors = new ForecastAccuracy.Errors();
        if (f != null && loads != null) {
            f.forEach((ts, v) -> {
                double measuredLoad = loads.house(house, loads.slice(ts));
                ft.add(ts);
                forecast.add(v);
                number(actual, measuredLoad);
                // scored as gridlet accuracy scores them, once the slice is over (not against a part of it)
                if (!Double.isNaN(measuredLoad) && ts + sliceSeconds <= newestTimestamp) errors.add(v, measuredLoad);
            });
        }
        ForecastAccuracy.Score score = errors.score();
        ObjectNode accuracy = root.putObject("accuracy").put("scored", score.n());
        if (score.n() > 0) accuracy.put("mae", score.mae()).put("rmse", score.rmse()).put("smape", score.smape());
    }

    /** Adaptlet outcomes that are no security event. */
    private static final java.util.Set<String> REGULAR = java.util.Set.of("accepted", "opened", "reconfigured",
            "challenged");

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
