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
import io.gridlet.flink.types.MeasurementSerializer;
import io.gridlet.flink.types.WindowChangeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.streaming.runtime.streamrecord.StreamElement;
import org.apache.flink.streaming.runtime.streamrecord.StreamElementSerializer;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * What each stage of the Flink job costs, measured stage by stage on one thread with the job's own code (the
 * core's queries, the job's serializers, Flink's key-group routing), and the throughput they predict for a cluster
 * of TaskManagers: the cost model of issue 17.
 *
 * <ul>
 *   <li><b>source</b> (one instance): parsing a line (the file source's reader thread); the order gate and
 *   serializing each load reading to its instance (the source task's thread);</li>
 *   <li><b>keyed stage</b> (n instances, readings routed by house): reading a reading off the wire, Q1 and Q2's
 *   per-plug half, per reading and per timestamp, and the result lines it makes; each instance timed on its own
 *   share, the slowest one counted;</li>
 *   <li><b>global stage</b> (one instance): reading the n instances' window changes, applying them and
 *   evaluating Q2's shares, per timestamp.</li>
 * </ul>
 *
 * The model: with T TaskManagers of 2 slots (this machine: 2 cores), the keyed stage runs n = 2T instances (at most
 * one per house: a house is never split); each stage's rate is readings over its time, the job's rate the least of
 * them. Not modelled: Flink's network stack (buffers, credits, the wire), watermarks between tasks, checkpoints;
 * the job's measured rate on this machine against the model's one-TaskManager figure shows what they cost.
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
                    System.err.println("usage: StageCosts [--shape debs|sparse|generated] [--plugs N] [--days D] [--houses N]");
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

        // source: parse (the reader thread), then gate + serialize (the task thread)
        List<Measurement> lines = new ArrayList<>();
        long parse = Long.MAX_VALUE;
        for (int round = 0; round < ROUNDS + 1; round++) { // (the first warms the JIT too)
            System.gc();
            lines.clear();
            long start = System.nanoTime();
            try (MeasurementReader reader = new MeasurementReader(new ByteArrayInputStream(csv), (n, r, m, t) -> {
            })) {
                for (Measurement m; (m = reader.next()) != null; ) lines.add(m);
            }
            parse = Math.min(parse, System.nanoTime() - start);
        }
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
        long wire = Long.MAX_VALUE;
        StreamElementSerializer<Measurement> records = new StreamElementSerializer<>(MeasurementSerializer.INSTANCE);
        for (int round = 0; round < ROUNDS + 1; round++) {
            System.gc();
            DataOutputSerializer out = new DataOutputSerializer(1 << 16);
            StreamRecord<Measurement> record = new StreamRecord<>(null);
            long sink = 0;
            long start = System.nanoTime();
            for (int i = 0; i < loads.size(); i++) {
                Measurement m = loads.get(i);
                sink += KeyGroupRangeAssignment.assignKeyToParallelOperator(m.houseId(), MAX_PARALLELISM, 64);
                records.serialize(record.replace(m), out);
                if (out.length() > (1 << 15) || i == loads.size() - 1) { // a network buffer's worth, read back
                    DataInputDeserializer in = new DataInputDeserializer(out.getSharedBuffer(), 0, out.length());
                    while (in.available() > 0) {
                        StreamElement e = records.deserialize(in);
                        sink += e.asRecord().getTimestamp();
                    }
                    out.clear();
                }
            }
            wire = Math.min(wire, System.nanoTime() - start);
            if (sink == 42) System.out.print(""); // (keeps the loop's work)
        }
        long timestamps = gated.stream().mapToLong(Measurement::timestamp).distinct().count();
        long n = lines.size();
        System.out.printf(Locale.ROOT, "machine: %d cores, Java %s; data: %s shape, %d plugs in %d houses, %.2f days,"
                        + " %,d lines, %,d loads, %,d timestamps (%.0f lines each)%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), shape,
                config.plugCount(), config.houses(), days, n, loads.size(), timestamps, (double) n / timestamps);
        System.out.printf(Locale.ROOT, "per line : parse %.0f ns, gate %.0f ns; per load reading: to and off the "
                        + "wire, routed %.0f ns%n", (double) parse / n, (double) gate / n,
                (double) wire / loads.size());
        // two threads: the reader's; the task's, which sends each load reading twice (to Q1 by house, to Q2 by
        // household): half the to-and-off-the-wire cost is the sender's, half the receiver's
        double sourceTime = Math.max(parse, gate + wire);

        keyed(loads, queries, 2, (double) wire / loads.size() / 2); // warms the JIT: not reported
        System.out.println();
        System.out.println("| TaskManagers (2 slots) | keyed instances | source | keyed stages (busiest slot) "
                + "| global stage | expected | limited by |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (int t : TASK_MANAGERS) {
            int instances = 2 * t;
            Keyed keyed = keyed(loads, queries, instances, (double) wire / loads.size() / 2);
            double source = n * 1e9 / sourceTime;
            double keyedRate = n * 1e9 / keyed.slowest;
            double globalRate = n * 1e9 / keyed.global;
            double expected = Math.min(source, Math.min(keyedRate, globalRate));
            String limit = expected == source ? "source (one instance)" : expected == keyedRate ? "keyed stages"
                    : "global stage (one instance)";
            System.out.printf(Locale.ROOT, "| %d | %d | %.2f M/s | %.2f M/s | %.2f M/s (%.1f µs per timestamp) | "
                            + "%.2f M/s | %s |%n", t, instances, source / 1e6, keyedRate / 1e6, globalRate / 1e6,
                    keyed.global / 1e3 / timestamps, expected / 1e6, limit);
        }
    }

    record Keyed(double slowest, double global) {
    }

    /**
     * The keyed stages at {@code instances} instances each, Q1's routed by house and Q2's per-plug half by household
     * (by key group, as the job does), instance i of both in slot i, and the global stage behind them: each slot's
     * time (the readings off the wire, Q1, Q2's per-plug half, the result lines and window changes made and
     * serialized), the busiest; the global stage's time (every change read, applied, each timestamp evaluated, its
     * result lines made). The least of {@value #ROUNDS} rounds, each
     * stage apart (what it costs without a collection or another thread in the way).
     */
    static Keyed keyed(List<Measurement> loads, QueryConfig q, int instances, double wireNanos) throws IOException {
        double bestSlowest = Double.MAX_VALUE, bestGlobal = Double.MAX_VALUE;
        for (int round = 0; round < ROUNDS; round++) {
            System.gc(); // (the previous round's state is garbage: collected now, not inside a timed section)
            LoadForecast[] q1 = new LoadForecast[instances];
            PlugMedians[] q2 = new PlugMedians[instances];
            long[] time = new long[instances];
            for (int i = 0; i < instances; i++) {
                q1[i] = new LoadForecast(q.epoch(), q.forecaster(), q.sliceSeconds());
                q2[i] = new PlugMedians(q.windowSeconds());
            }
            long[] readings = new long[instances];
            int[][] share = new int[instances][64], shareQ2 = new int[instances][64];
            int[] block = new int[instances], blockQ2 = new int[instances];
            GlobalShares global = new GlobalShares(q.windowSeconds());
            long globalTime = 0;
            DataOutputSerializer changes = new DataOutputSerializer(1 << 16);
            long[] lines = new long[1];
            ResultSink count = new ResultSink() {
                @Override
                public void plugForecast(PlugForecast f) {
                    lines[0] += ResultRecord.of(0, f).line().length();
                }

                @Override
                public void houseForecast(HouseForecast f) {
                    lines[0] += ResultRecord.of(0, f).line().length();
                }

                @Override
                public void outlierShare(OutlierShare s) {
                    lines[0] += ResultRecord.of(s).line().length();
                }
            };
            int from = 0;
            long dataTime = Long.MIN_VALUE;
            while (from < loads.size()) {
                long ts = loads.get(from).timestamp();
                int to = from;
                while (to < loads.size() && loads.get(to).timestamp() == ts) to++;
                // the watermark before ts: every instance crosses Q1's boundaries and evaluates the previous time
                changes.clear();
                for (int i = 0; i < instances; i++) {
                    long start = System.nanoTime();
                    if (dataTime != Long.MIN_VALUE) {
                        for (long b = q1[i].firstBoundaryAfter(dataTime); b <= ts; b += LoadForecast.BOUNDARY_SECONDS) {
                            q1[i].crossBoundary(b, count);
                        }
                        long evaluated = dataTime;
                        q2[i].evaluate(evaluated, change -> {
                            if (change.isEmpty()) return;
                            try {
                                WindowChangeSerializer.INSTANCE.serialize(WindowChangeRecord.of(change), changes);
                            } catch (IOException e) {
                                throw new IllegalStateException(e);
                            }
                        });
                    }
                    time[i] += System.nanoTime() - start;
                }
                if (dataTime != Long.MIN_VALUE) {
                    long start = System.nanoTime();
                    DataInputDeserializer in = new DataInputDeserializer(changes.getSharedBuffer(), 0, changes.length());
                    while (in.available() > 0) WindowChangeSerializer.INSTANCE.deserialize(in).applyTo(global);
                    global.evaluate(dataTime, count);
                    globalTime += System.nanoTime() - start;
                }
                // the readings of ts, each to its house's Q1 instance and its household's Q2 instance (grouped
                // first: one clock reading per instance and stage)
                for (int i = 0; i < instances; i++) block[i] = blockQ2[i] = 0;
                for (int r = from; r < to; r++) {
                    Measurement m = loads.get(r);
                    int i = KeyGroupRangeAssignment.assignKeyToParallelOperator(Partitioning.house(m.houseId()),
                            MAX_PARALLELISM, instances);
                    if (block[i] == share[i].length) share[i] = Arrays.copyOf(share[i], 2 * block[i]);
                    share[i][block[i]++] = r;
                    int j = KeyGroupRangeAssignment.assignKeyToParallelOperator(
                            Partitioning.household(m.houseId(), m.householdId()), MAX_PARALLELISM, instances);
                    if (blockQ2[j] == shareQ2[j].length) shareQ2[j] = Arrays.copyOf(shareQ2[j], 2 * blockQ2[j]);
                    shareQ2[j][blockQ2[j]++] = r;
                }
                for (int i = 0; i < instances; i++) {
                    long start = System.nanoTime();
                    for (int k = 0; k < block[i]; k++) {
                        Measurement m = loads.get(share[i][k]);
                        q1[i].add(m.houseId(), m.householdId(), m.plugId(), m.milliValue());
                    }
                    for (int k = 0; k < blockQ2[i]; k++) {
                        Measurement m = loads.get(shareQ2[i][k]);
                        q2[i].add(m.timestamp(), m.houseId(), m.householdId(), m.plugId(), (int) m.milliValue());
                    }
                    time[i] += System.nanoTime() - start;
                    readings[i] += block[i] + blockQ2[i];
                }
                dataTime = ts;
                from = to;
            }
            double slowest = 0;
            for (int i = 0; i < instances; i++) slowest = Math.max(slowest, time[i] + readings[i] * wireNanos);
            bestSlowest = Math.min(bestSlowest, slowest);
            bestGlobal = Math.min(bestGlobal, globalTime);
            if (lines[0] == 42) System.out.print("");
        }
        return new Keyed(bestSlowest, bestGlobal);
    }
}
