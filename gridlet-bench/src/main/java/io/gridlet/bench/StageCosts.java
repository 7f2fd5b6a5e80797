package io.gridlet.bench;

import io.gridlet.core.csv.MeasurementReader;
import io.gridlet.core.engine.OrderGate;
import io.gridlet.core.engine.QueryConfig;
import io.gridlet.core.generate.GeneratorConfig;
import io.gridlet.core.model.Measurement;
import io.gridlet.core.q1.LoadForecast;
import io.gridlet.core.q2.GlobalShares;
import io.gridlet.core.q2.PlugMedians;
import io.gridlet.core.result.HouseForecast;
import io.gridlet.core.result.OutlierShare;
import io.gridlet.core.result.PlugForecast;
import io.gridlet.core.result.ResultSink;
import io.gridlet.flink.operators.Partitioning;
import io.gridlet.flink.operators.ResultRecord;
import io.gridlet.flink.operators.WindowChangeRecord;
import io.gridlet.flink.sink.ResultParts;
import io.gridlet.flink.types.MeasurementSerializer;
import io.gridlet.flink.types.WindowChangeSerializer;
import org.apache.flink.api.common.serialization.BulkWriter;
import org.apache.flink.core.fs.FSDataOutputStream;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.streaming.runtime.streamrecord.StreamElementSerializer;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * What each stage of the Flink job costs, measured stage by stage on one thread with the job's own code (the
 * core's queries, the job's serializers and part writer, Flink's record serializer and key-group routing), and the
 * throughput they predict for a cluster of TaskManagers: the cost model of issue 17.
 *
 * <ul>
 *   <li><b>source</b> (one instance, two threads): parsing a line (the file source's reader thread); the order gate
 *   and sending each load reading to its two keyed instances (the source task's thread);</li>
 *   <li><b>keyed stages</b> (n instances each): Q1 routed by house, Q2's per-plug half by plug, instance i of
 *   both in slot i: receiving readings, the queries per reading and per timestamp, their result lines made and
 *   written into a part buffer, Q2's window changes made and serialized; the busiest slot counted;</li>
 *   <li><b>global stage</b> (one instance): the n instances' window changes read and applied, each timestamp
 *   evaluated, its result lines made and written.</li>
 * </ul>
 *
 * The model: T TaskManagers of 2 slots and 2 cores (this machine), n = 2T instances of each keyed stage. A stage's
 * rate is the lines over its time (each thread on a core of its own), and TaskManager 0, which also runs the
 * source and the global stage, is held to its 2 cores (its two keyed slots plus the source's two threads plus the
 * global stage); the job's rate is the least of them. Not modelled: Flink's network stack (buffers, credits, the
 * wire), watermarks through every task, checkpoints; with many instances and little data per timestamp, the
 * clock readings around each instance's work are a visible part of what is timed.
 *
 * <p>Run: {@code ./bench costs [--shape debs|sparse|generated] [--plugs 200] [--days 0.1] [--houses N]}.
 */
public final class StageCosts {
    private static final int MAX_PARALLELISM = 128;
    private static final int[] TASK_MANAGERS = {1, 4, 16, 64};
    private static final int ROUNDS = 3;

    public static void main(String[] args) throws Exception {
        String shape = "debs";
        int plugs = 200;
        double days = 0.1;
        int houses = 0;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--shape" -> shape = args[++i];
                case "--plugs" -> plugs = Integer.parseInt(args[++i]);
                case "--days" -> days = Double.parseDouble(args[++i]);
                case "--houses" -> houses = Integer.parseInt(args[++i]);
                default -> {
                    System.err.println("usage: StageCosts [--shape debs|sparse|generated] [--plugs N] [--days D] "
                            + "[--houses N]");
                    System.exit(2);
                }
            }
        }
        GeneratorConfig config = Shapes.config(shape, plugs, days);
        if (houses > 0) { // the same shape over more houses (the DEBS'14 set had 40): 4 households each
            config = new GeneratorConfig(config.seed(), houses, 4, Math.max(1, plugs / (4 * houses)), config.days(),
                    config.intervalSeconds(), config.start(), config.dropRate(), config.outageRate(),
                    config.gapMinutes(), config.malformedRate(), config.extraDecimalsRate());
        }
        byte[] csv = DebsShapedData.csv(config);
        QueryConfig queries = QueryConfig.DEFAULT;

        // the reader thread: parse only (the lines are not kept: keeping millions would time the collector)
        long parse = Long.MAX_VALUE, sink = 0;
        for (int round = 0; round < ROUNDS + 1; round++) { // (the first warms the JIT too)
            System.gc();
            long start = System.nanoTime();
            try (MeasurementReader reader = new MeasurementReader(new ByteArrayInputStream(csv), (n, r, m, t) -> {
            })) {
                for (Measurement m; (m = reader.next()) != null; ) sink += m.timestamp();
            }
            parse = Math.min(parse, System.nanoTime() - start);
        }
        List<Measurement> lines = new ArrayList<>();
        try (MeasurementReader reader = new MeasurementReader(new ByteArrayInputStream(csv), (n, r, m, t) -> {
        })) {
            for (Measurement m; (m = reader.next()) != null; ) lines.add(m);
        }
        // the source task's thread: the gate, then each load reading serialized to its two instances
        List<Measurement> gated = new ArrayList<>(lines.size());
        long gate = Long.MAX_VALUE;
        for (int round = 0; round < ROUNDS + 1; round++) {
            System.gc();
            gated.clear();
            OrderGate g = new OrderGate(0, (n, r, m, t) -> {
            });
            long start = System.nanoTime();
            long line = 0;
            for (Measurement m : lines) g.offer(m, ++line, gated::add);
            g.flush(gated::add);
            gate = Math.min(gate, System.nanoTime() - start);
        }
        List<Measurement> loads = gated.stream().filter(Measurement::isLoad).toList();
        long[] wire = wire(loads); // {send, receive}, for both edges
        if (sink == 42) System.out.print(""); // (keeps the parse loop's work)

        long timestamps = gated.stream().mapToLong(Measurement::timestamp).distinct().count();
        long n = lines.size();
        double send = (double) wire[0] / loads.size(), receive = (double) wire[1] / loads.size() / 2;
        System.out.printf(Locale.ROOT, "machine: %d cores, Java %s, load average %.2f; data: %s shape, %d plugs in %d "
                        + "houses, %.2f days, %,d lines, %,d loads, %,d timestamps (%.0f lines each)%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(), shape, config.plugCount(),
                config.houses(), days, n, loads.size(), timestamps, (double) n / timestamps);
        System.out.printf(Locale.ROOT, "per line: parse %.0f ns, order gate %.0f ns; per load reading: routed and "
                        + "serialized to both keyed stages %.0f ns, read off the wire %.0f ns at each%n",
                (double) parse / n, (double) gate / n, send, receive);

        Keyed warm = keyed(loads, queries, 2, receive); // warms the JIT; its result lines are timed apart
        System.out.printf(Locale.ROOT, "per result line: %.2f result lines per input line; a line written into its "
                + "part's buffer %.0f ns (making it is in the keyed stages' time)%n", (double) warm.results / n,
                writeCost(warm.sample));
        System.out.println();
        System.out.println("| TaskManagers (2 slots, 2 cores) | keyed instances | source (reader / task thread) "
                + "| keyed stages (busiest slot) | global stage | TaskManager 0's 2 cores | expected | limited by |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        double sourceTask = gate + send * loads.size();
        for (int t : TASK_MANAGERS) {
            int instances = 2 * t;
            Keyed keyed = keyed(loads, queries, instances, receive);
            double reader = n * 1e9 / parse, task = n * 1e9 / sourceTask;
            double slot = n * 1e9 / keyed.busiest, global = n * 1e9 / keyed.global;
            double tm0 = 2 * n * 1e9 / (parse + sourceTask + keyed.global + keyed.busiestTwo);
            double[] rates = {reader, task, slot, global, tm0};
            String[] names = {"source (reader)", "source (task)", "keyed stages", "global stage",
                    "TaskManager 0's cores"};
            int least = 0;
            for (int i = 1; i < rates.length; i++) if (rates[i] < rates[least]) least = i;
            System.out.printf(Locale.ROOT, "| %d | %d | %.1f / %.1f M/s | %.1f M/s | %.1f M/s (%.1f µs and %.1f "
                            + "changes per timestamp) | %.1f M/s | %.1f M/s | %s |%n", t, instances, reader / 1e6,
                    task / 1e6, slot / 1e6, global / 1e6, keyed.global / 1e3 / timestamps,
                    (double) keyed.changes / timestamps, tm0 / 1e6, rates[least] / 1e6, names[least]);
        }
    }

    /** Sending and receiving every load reading on both edges (house and plug), as the job's records. */
    private static long[] wire(List<Measurement> loads) throws IOException {
        StreamElementSerializer<Measurement> records = new StreamElementSerializer<>(MeasurementSerializer.INSTANCE);
        long bestSend = Long.MAX_VALUE, bestReceive = Long.MAX_VALUE, sink = 0;
        for (int round = 0; round < ROUNDS + 1; round++) {
            System.gc();
            DataOutputSerializer out = new DataOutputSerializer(1 << 16);
            StreamRecord<Measurement> record = new StreamRecord<>(null);
            long send = 0, receive = 0;
            for (int from = 0; from < loads.size(); ) { // a network buffer's worth at a time, then read back
                long start = System.nanoTime();
                int i = from;
                for (; i < loads.size() && out.length() < (1 << 15); i++) {
                    Measurement m = loads.get(i);
                    sink += KeyGroupRangeAssignment.assignKeyToParallelOperator(Partitioning.house(m.houseId()),
                            MAX_PARALLELISM, 64);
                    records.serialize(record.replace(m, m.timestamp()), out);
                    sink += KeyGroupRangeAssignment.assignKeyToParallelOperator(
                            Partitioning.plug(m.houseId(), m.householdId(), m.plugId()), MAX_PARALLELISM, 64);
                    records.serialize(record.replace(m, m.timestamp()), out);
                }
                long sent = System.nanoTime();
                DataInputDeserializer in = new DataInputDeserializer(out.getSharedBuffer(), 0, out.length());
                while (in.available() > 0) sink += records.deserialize(in).asRecord().getTimestamp();
                receive += System.nanoTime() - sent;
                send += sent - start;
                out.clear();
                from = i;
            }
            bestSend = Math.min(bestSend, send);
            bestReceive = Math.min(bestReceive, receive);
        }
        if (sink == 42) System.out.print("");
        return new long[] {bestSend, bestReceive};
    }

    /** Writing result lines into a part's buffer (to a stream that drops them), ns per line, best of the rounds. */
    private static double writeCost(List<ResultRecord> sample) throws IOException {
        long best = Long.MAX_VALUE;
        for (int round = 0; round < ROUNDS + 1; round++) {
            BulkWriter<ResultRecord> w = ResultParts.plainPartWriter(new Discard());
            long start = System.nanoTime();
            for (ResultRecord r : sample) w.addElement(r);
            w.finish();
            best = Math.min(best, System.nanoTime() - start);
        }
        return (double) best / Math.max(1, sample.size());
    }

    /**
     * @param busiest    the busiest slot's time (instance i of Q1 and of Q2 share slot i)
     * @param busiestTwo the two busiest slots' time together (TaskManager 0's keyed share)
     * @param global     the global stage's time
     * @param changes    the window changes it read (one per window of an instance whose window moved)
     * @param results    result lines made
     * @param sample     the first of them (to time writing them apart)
     */
    record Keyed(double busiest, double busiestTwo, double global, long changes, long results,
                 List<ResultRecord> sample) {
    }

    /**
     * The keyed stages at {@code instances} instances each and the global stage behind them, the least of
     * {@value #ROUNDS} rounds (each stage apart: what it costs without a collection or another thread in its way).
     */
    static Keyed keyed(List<Measurement> loads, QueryConfig q, int instances, double receiveNanos) throws IOException {
        double bestBusiest = Double.MAX_VALUE, bestTwo = Double.MAX_VALUE, bestGlobal = Double.MAX_VALUE;
        long results = 0, changes = 0;
        List<ResultRecord> sample = new ArrayList<>();
        for (int round = 0; round < ROUNDS; round++) {
            System.gc(); // (the previous round's state is garbage: collected now, not inside a timed section)
            Round r = new Round(q, instances, sample);
            r.run(loads);
            double[] slot = new double[instances];
            for (int i = 0; i < instances; i++) slot[i] = r.time[i] + r.received[i] * receiveNanos;
            Arrays.sort(slot);
            bestBusiest = Math.min(bestBusiest, slot[instances - 1]);
            bestTwo = Math.min(bestTwo, slot[instances - 1] + (instances > 1 ? slot[instances - 2] : 0));
            bestGlobal = Math.min(bestGlobal, r.globalTime);
            results = r.results;
            changes = r.changesRead;
        }
        return new Keyed(bestBusiest, bestTwo, bestGlobal, changes, results, sample);
    }

    /** One pass over the readings through n instances of each keyed stage and the global stage. */
    private static final class Round {
        private static final int SAMPLE = 1 << 20;
        final int instances;
        final LoadForecast[] q1;
        final PlugMedians[] q2;
        final BulkWriter<ResultRecord>[] parts;
        final long[] time, received;
        final GlobalShares global;
        final BulkWriter<ResultRecord> globalPart;
        final List<ResultRecord> sample;
        final DataOutputSerializer changes = new DataOutputSerializer(1 << 16);
        long globalTime, results, boundary, changesRead;
        BulkWriter<ResultRecord> part;

        @SuppressWarnings("unchecked")
        Round(QueryConfig q, int instances, List<ResultRecord> sample) {
            this.instances = instances;
            this.sample = sample;
            q1 = new LoadForecast[instances];
            q2 = new PlugMedians[instances];
            parts = new BulkWriter[instances];
            time = new long[instances];
            received = new long[instances];
            for (int i = 0; i < instances; i++) {
                q1[i] = new LoadForecast(q.epoch(), q.forecaster(), q.sliceSeconds());
                q2[i] = new PlugMedians(q.windowSeconds());
                parts[i] = ResultParts.plainPartWriter(new Discard());
            }
            global = new GlobalShares(q.windowSeconds());
            globalPart = ResultParts.plainPartWriter(new Discard());
        }

        private final ResultSink lines = new ResultSink() {
            @Override
            public void plugForecast(PlugForecast f) {
                write(ResultRecord.of(boundary, f));
            }

            @Override
            public void houseForecast(HouseForecast f) {
                write(ResultRecord.of(boundary, f));
            }

            @Override
            public void outlierShare(OutlierShare s) {
                write(ResultRecord.of(s));
            }
        };

        private void write(ResultRecord r) {
            try {
                part.addElement(r);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            results++;
            if (sample.size() < SAMPLE) sample.add(r);
        }

        void run(List<Measurement> loads) throws IOException {
            int[][] q1Share = new int[instances][64], q2Share = new int[instances][64];
            int[] q1Count = new int[instances], q2Count = new int[instances];
            long dataTime = Long.MIN_VALUE;
            for (int from = 0; from < loads.size(); ) {
                long ts = loads.get(from).timestamp();
                int to = from;
                while (to < loads.size() && loads.get(to).timestamp() == ts) to++;
                if (dataTime != Long.MIN_VALUE) watermark(dataTime, ts);
                // the readings of ts, each to its house's Q1 instance and its plug's Q2 instance (grouped
                // first: one clock reading per slot)
                Arrays.fill(q1Count, 0);
                Arrays.fill(q2Count, 0);
                for (int r = from; r < to; r++) {
                    Measurement m = loads.get(r);
                    int i = KeyGroupRangeAssignment.assignKeyToParallelOperator(Partitioning.house(m.houseId()),
                            MAX_PARALLELISM, instances);
                    if (q1Count[i] == q1Share[i].length) q1Share[i] = Arrays.copyOf(q1Share[i], 2 * q1Count[i]);
                    q1Share[i][q1Count[i]++] = r;
                    int j = KeyGroupRangeAssignment.assignKeyToParallelOperator(
                            Partitioning.plug(m.houseId(), m.householdId(), m.plugId()), MAX_PARALLELISM, instances);
                    if (q2Count[j] == q2Share[j].length) q2Share[j] = Arrays.copyOf(q2Share[j], 2 * q2Count[j]);
                    q2Share[j][q2Count[j]++] = r;
                }
                for (int i = 0; i < instances; i++) {
                    if (q1Count[i] + q2Count[i] == 0) continue;
                    long start = System.nanoTime();
                    for (int k = 0; k < q1Count[i]; k++) {
                        Measurement m = loads.get(q1Share[i][k]);
                        q1[i].add(m.houseId(), m.householdId(), m.plugId(), m.milliValue());
                    }
                    for (int k = 0; k < q2Count[i]; k++) {
                        Measurement m = loads.get(q2Share[i][k]);
                        q2[i].add(m.timestamp(), m.houseId(), m.householdId(), m.plugId(), (int) m.milliValue());
                    }
                    time[i] += System.nanoTime() - start;
                    received[i] += q1Count[i] + q2Count[i];
                }
                dataTime = ts;
                from = to;
            }
            if (dataTime != Long.MIN_VALUE) watermark(dataTime, Long.MAX_VALUE); // the end: Q2 evaluates the last
        }

        /** Data time moves from {@code dataTime} to {@code now}: Q1 crosses its boundaries, Q2 evaluates. */
        private void watermark(long dataTime, long now) throws IOException {
            changes.clear();
            for (int i = 0; i < instances; i++) {
                long start = System.nanoTime();
                part = parts[i];
                if (now != Long.MAX_VALUE) {
                    for (long b = q1[i].firstBoundaryAfter(dataTime); b <= now; b += LoadForecast.BOUNDARY_SECONDS) {
                        boundary = b;
                        q1[i].crossBoundary(b, lines);
                    }
                }
                q2[i].evaluate(dataTime, change -> {
                    if (change.isEmpty()) return;
                    try {
                        WindowChangeSerializer.INSTANCE.serialize(WindowChangeRecord.of(change), changes);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
                time[i] += System.nanoTime() - start;
            }
            long start = System.nanoTime();
            part = globalPart;
            DataInputDeserializer in = new DataInputDeserializer(changes.getSharedBuffer(), 0, changes.length());
            while (in.available() > 0) {
                WindowChangeSerializer.INSTANCE.deserialize(in).applyTo(global);
                changesRead++;
            }
            global.evaluate(dataTime, lines);
            globalTime += System.nanoTime() - start;
        }
    }

    /** A part stream that drops what it is given. */
    private static final class Discard extends FSDataOutputStream {
        private long pos;

        @Override
        public void write(int b) {
            pos++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            pos += len;
        }

        @Override
        public long getPos() {
            return pos;
        }

        @Override
        public void flush() {
        }

        @Override
        public void sync() {
        }

        @Override
        public void close() {
        }
    }
}
