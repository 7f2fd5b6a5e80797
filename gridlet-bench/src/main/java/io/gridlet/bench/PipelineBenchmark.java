package io.gridlet.bench;

import io.gridlet.core.csv.MeasurementReader;
import io.gridlet.core.csv.Rejections;
import io.gridlet.core.engine.QueryConfig;
import io.gridlet.core.engine.Replay;
import io.gridlet.core.generate.GeneratedInput;
import io.gridlet.core.generate.GeneratorConfig;
import io.gridlet.core.generate.MeasurementGenerator;
import io.gridlet.core.model.Measurement;
import io.gridlet.core.q2.OutlierDetection;
import io.gridlet.core.result.ResultFiles;
import io.gridlet.core.result.ResultSink;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.ref.Reference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The one-shot end-to-end harness of the core pipeline: generates a fixed DEBS-shaped data set to a file, then
 * replays it through parse → order → Q1 + Q2 → result files on one thread and reports readings/s; finally
 * measures the heap held by Q2's window state per load reading in the windows.
 *
 * <p>Run: {@code ./bench pipeline [--plugs 200] [--days 1.1] [--dir DIR]}. The default (200 plugs at one load
 * and one work reading a second for 1.1 days, 38 M lines, 1.4 GB) lets the 24 h window fill and slide.
 */
public final class PipelineBenchmark {
    public static void main(String[] args) throws IOException {
        int plugs = 200;
        double days = 1.1;
        Path dir = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--plugs" -> plugs = Integer.parseInt(args[++i]);
                case "--days" -> days = Double.parseDouble(args[++i]);
                case "--dir" -> dir = Path.of(args[++i]);
                default -> {
                    System.err.println("usage: PipelineBenchmark [--plugs N (multiple of 40)] [--days D] [--dir DIR]");
                    System.exit(2);
                }
            }
        }
        boolean temporary = dir == null;
        if (temporary) dir = Files.createTempDirectory("gridlet-bench");
        Files.createDirectories(dir);
        System.out.printf(Locale.ROOT, "machine: %d cores, Java %s, max heap %d MiB%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
                Runtime.getRuntime().maxMemory() >> 20);
        try {
            GeneratorConfig config = DebsShapedData.config(plugs, days);
            Path csv = dir.resolve("debs-shaped.csv");
            long lines = generate(config, csv);
            pipeline(csv, lines, dir.resolve("out"));
            windowMemory(csv);
        } finally {
            if (temporary) BenchFiles.deleteTree(dir);
        }
    }

    private static long generate(GeneratorConfig config, Path csv) throws IOException {
        long start = System.nanoTime();
        MeasurementGenerator generator = new MeasurementGenerator(config);
        try (InputStream in = new GeneratedInput(generator); OutputStream out = Files.newOutputStream(csv)) {
            in.transferTo(out);
        }
        long nanos = System.nanoTime() - start;
        System.out.printf(Locale.ROOT, "data:     %d plugs, %.2f days, %,d lines, %,d MB (generated in %.1f s)%n",
                config.plugCount(), config.days(), generator.lines(), Files.size(csv) / 1_000_000, nanos / 1e9);
        return generator.lines();
    }

    private static void pipeline(Path csv, long lines, Path out) throws IOException {
        // a short warm-up run so the JIT has compiled the hot paths before the measured run
        try (InputStream in = new BufferedInputStream(Files.newInputStream(csv), 1 << 16)) {
            new Replay(QueryConfig.DEFAULT, 0).run(limit(in, 60_000_000), ResultSink.DISCARD);
        }
        long start = System.nanoTime();
        Replay.Summary summary;
        long outputLines = 0;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(csv), 1 << 16);
             ResultFiles files = new ResultFiles(out, QueryConfig.DEFAULT)) {
            summary = new Replay(QueryConfig.DEFAULT, 0).run(in, files);
            for (long n : files.linesWritten().values()) outputLines += n;
        }
        long nanos = System.nanoTime() - start;
        if (summary.lines() != lines) throw new IllegalStateException("read " + summary.lines() + " of " + lines);
        System.out.printf(Locale.ROOT, "pipeline: parse + Q1 + Q2 + writing, one thread: %,d readings in %.1f s = "
                        + "%.2f M readings/s (%,d result lines written)%n",
                summary.validReadings(), nanos / 1e9, summary.validReadings() * 1e3 / nanos, outputLines);
    }

    private static void windowMemory(Path csv) throws IOException {
        long before = usedHeapAfterGc();
        OutlierDetection q2 = new OutlierDetection(QueryConfig.DEFAULT_WINDOWS);
        long dataTime = Long.MIN_VALUE;
        try (MeasurementReader reader = new MeasurementReader(
                new BufferedInputStream(Files.newInputStream(csv), 1 << 16), new Rejections())) {
            for (Measurement m; (m = reader.next()) != null; ) {
                if (m.timestamp() > dataTime) {
                    if (dataTime != Long.MIN_VALUE) q2.evaluate(dataTime, ResultSink.DISCARD);
                    dataTime = m.timestamp();
                }
                if (m.isLoad()) q2.add(m.timestamp(), m.houseId(), m.householdId(), m.plugId(), (int) m.milliValue());
            }
        }
        q2.evaluate(dataTime, ResultSink.DISCARD);
        long after = usedHeapAfterGc();
        long held = q2.readingsHeld();
        long inWindows = q2.readingsInWindows();
        System.out.printf(Locale.ROOT, "memory:   Q2 state %,d MB after GC for %,d load readings held (24 h window; "
                        + "%,d in both windows together) = %.1f bytes per reading held (%.1f per window entry)%n",
                (after - before) >> 20, held, inWindows, (after - before) / (double) held,
                (after - before) / (double) inWindows);
        Reference.reachabilityFence(q2); // q2 must not be collected before the measurement above
    }

    private static long usedHeapAfterGc() {
        for (int i = 0; i < 4; i++) {
            System.gc();
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static InputStream limit(InputStream in, long bytes) {
        return new FilterInputStream(in) {
            long left = bytes;

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (left <= 0) return -1;
                int n = super.read(b, off, (int) Math.min(len, left));
                if (n > 0) left -= n;
                return n;
            }
        };
    }

}
