package io.gridlet.bench;

import io.gridlet.core.csv.MeasurementReader;
import io.gridlet.core.csv.Rejections;
import io.gridlet.core.engine.QueryConfig;
import io.gridlet.core.engine.Replay;
import io.gridlet.core.generate.GeneratorConfig;
import io.gridlet.core.model.HouseSet;
import io.gridlet.core.model.Measurement;
import io.gridlet.core.result.ResultFiles;
import io.gridlet.enclave.keys.KeyRing;
import io.gridlet.enclave.keys.Pseudonyms;
import io.gridlet.enclave.keys.ReadingKeys;
import io.gridlet.enclave.keys.ResultMaster;
import io.gridlet.enclave.keys.TrustedKeys;
import io.gridlet.enclave.sealing.MeterIdentity;
import io.gridlet.enclave.sealing.MeterSealer;
import io.gridlet.enclave.sealing.ReadingSuite;
import io.gridlet.enclave.sealing.SealedReadingFile;
import io.gridlet.flink.FlinkRun;
import io.gridlet.flink.GridletJob;
import io.gridlet.flink.RunDirectory;
import io.gridlet.flink.operators.Boundary;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The same generated file through the core engine and through the Flink job (embedded MiniCluster) at
 * parallelism 1 and 2, in one run: file in, spec files out. Flink's start-up and shutdown are measured apart, on
 * a one-line file, and reported separately; its throughput is readings over (wall time - that overhead).
 *
 * <p>With {@code --sealed}, also the job on sealed input (readings sealed by a meter in blocks, opened by the file
 * source's reader inside the boundary; state and results sealed), the job inside a sealed boundary on plain input
 * (state sealed, routing by pseudonyms), and the same with every record between tasks sealed on its own; each as a
 * share of the plain job at the same parallelism. Each is run {@code --runs} times, in rounds, and the median rate
 * is reported (single runs on a 2-core machine vary by a third, and up to 2x between rounds); a share is the median
 * of the rounds' shares (each configuration over plain in the same round, plain over the core run of the same
 * round: paired, as a slow round slows all). Both engines are warmed on the whole data first, not measured: the core
 * once, the plain job once at parallelism 2 (the JIT compiles the code both run, and the job's network stack and
 * serializers; the first round was otherwise the slowest by up to half); with {@code --sealed}, the sealed-input
 * configuration once at parallelism 1, the other sealed ones only through what they share with plain. The plain
 * job's share of the core is also given with its start-up and shutdown counted.
 *
 * <p>{@code --shape} picks the data ({@link Shapes}): {@code debs} (default; input-heavy), {@code sparse} (about 3.6 M
 * result lines out of 4.9 M lines a day: output-heavy), {@code generated} ({@code gridlet run}'s default data).
 *
 * <p>Run: {@code ./bench engines [--shape debs|sparse|generated] [--plugs 200] [--days 0.1] [--sealed] [--runs 3]}.
 */
public final class EngineComparison {
    public static void main(String[] args) throws Exception {
        int plugs = 200;
        double days = 0.1;
        boolean sealed = false;
        int runs = 3;
        String shape = "debs";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--shape" -> shape = args[++i];
                case "--plugs" -> plugs = Integer.parseInt(args[++i]);
                case "--days" -> days = Double.parseDouble(args[++i]);
                case "--sealed" -> sealed = true;
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                default -> {
                    System.err.println("usage: EngineComparison [--shape debs|sparse|generated] [--plugs N (multiple "
                            + "of 40)] [--days D] [--sealed] [--runs N (3)]");
                    System.exit(2);
                }
            }
        }
        Path dir = Files.createTempDirectory("gridlet-engines");
        try {
            GeneratorConfig config = Shapes.config(shape, plugs, days);
            Path csv = dir.resolve("data.csv");
            long lines = DebsShapedData.writeCsv(config, csv);
            Path tiny = Files.writeString(dir.resolve("tiny.csv"), "1,1377986401,1.000,1,1,1,1\n");
            System.out.printf(Locale.ROOT, "machine: %d cores, Java %s; data: %s shape, %d plugs, %.2f days, %,d lines%n",
                    Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), shape,
                    config.plugCount(), days, lines);

            coreRate(csv, dir.resolve("core"), lines); // warms the JIT: not reported
            long results = 0;
            try (Stream<Path> files = Files.list(dir.resolve("core"))) {
                for (Path f : files.filter(f -> f.getFileName().toString().startsWith("q")).toList()) {
                    try (Stream<String> l = Files.lines(f)) {
                        results += l.count();
                    }
                }
            }
            System.out.printf(Locale.ROOT, "output    : %,d result lines (the core's)%n", results);

            time(tiny, dir.resolve("warm-up"), 1, Boundary.PLAIN); // class loading, the first start: not measured
            // the job's own code (network stack, serializers, operators) warmed on the whole data as the core's was
            // above, not measured: without it the first round's Flink runs ran at half their later rate
            time(csv, dir.resolve("warm-flink"), 2, Boundary.PLAIN);
            BenchFiles.deleteTree(dir.resolve("warm-flink"));
            List<Config> configs = new ArrayList<>();
            configs.add(new Config("", csv, lines, Boundary.PLAIN, false));
            if (sealed) {
                // keys made here and registered as a runtime would after the key broker released them
                TrustedKeys.register("bench", KeyRing.generate());
                byte[] routing = new byte[32];
                new SecureRandom().nextBytes(routing);
                TrustedKeys.registerRouting("bench", new Pseudonyms(routing));
                TrustedKeys.registerResults("bench", new ResultMaster(new byte[32]));
                ReadingKeys owner = ReadingKeys.generate();
                TrustedKeys.registerReadings("bench", owner);
                // sealed input: the same readings, sealed by a meter to the boundary in blocks (not timed)
                Path sealedInput = dir.resolve("readings.sealed");
                long sealedReadings = sealInput(csv, sealedInput, owner);
                Boundary inside = Boundary.sealed("bench", "bench");
                time(sealedInput, dir.resolve("warm-sealed"), 1, inside, true);
                configs.add(new Config(" sealed input (meter seals in blocks, opened by the source's reader; state "
                        + "and results sealed)", sealedInput, sealedReadings, inside, true));
                configs.add(new Config(" sealed (state and results sealed, pseudonym routing)", csv, lines, inside,
                        false));
                configs.add(new Config(" sealed + records (every record between tasks sealed too)", csv, lines,
                        Boundary.sealed("bench", "bench").sealingRecords(), false));
            }
            // every configuration once per round, rounds one after the other: a slow minute of the machine's
            // touches all of them alike, and the median of the rounds is reported
            Map<String, List<Double>> rates = new LinkedHashMap<>();
            Map<Integer, List<Double>> gross = new LinkedHashMap<>(); // plain, start-up and shutdown included
            Map<Integer, List<Long>> overheads = new LinkedHashMap<>();
            List<Double> cores = new ArrayList<>();
            for (int round = 0; round < runs; round++) {
                cores.add(coreRate(csv, dir.resolve("core"), lines)); // in every round: shares are paired with it
                for (int p : new int[] {1, 2}) {
                    for (Config c : configs) {
                        long overhead = time(tiny, dir.resolve("tiny"), p, c.boundary());
                        long wall = time(c.input(), dir.resolve("out"), p, c.boundary(), c.sealedInput());
                        rates.computeIfAbsent(p + c.label(), k -> new ArrayList<>())
                                .add(c.readings() * 1e9 / Math.max(1, wall - overhead));
                        if (c.label().isEmpty()) {
                            gross.computeIfAbsent(p, k -> new ArrayList<>()).add(c.readings() * 1e9 / wall);
                            overheads.computeIfAbsent(p, k -> new ArrayList<>()).add(overhead);
                        }
                    }
                }
                System.err.printf(Locale.ROOT, "round %d of %d done%n", round + 1, runs);
            }
            System.out.printf(Locale.ROOT, "core      : %.2f M readings/s (median of %s)%n", median(cores) / 1e6,
                    text(cores));
            for (int p : new int[] {1, 2}) {
                List<Double> plain = rates.get(p + "");
                for (Config c : configs) {
                    List<Double> r = rates.get(p + c.label());
                    double rate = median(r);
                    String runsText = text(r);
                    if (c.label().isEmpty()) {
                        // a share of the core in the same round (the machine's speed drifts between rounds)
                        List<Double> shares = new ArrayList<>();
                        for (int i = 0; i < r.size(); i++) shares.add(r.get(i) / cores.get(i));
                        System.out.printf(Locale.ROOT, "flink p=%d : %.2f M readings/s (median of %s), %.0f %% of "
                                + "core (median of the rounds' %s %%)%n", p, rate / 1e6, runsText,
                                100 * median(shares), percents(shares));
                        // the same runs with Flink's start-up and shutdown counted (the core has neither)
                        List<Double> whole = new ArrayList<>();
                        for (int i = 0; i < r.size(); i++) whole.add(gross.get(p).get(i) / cores.get(i));
                        System.out.printf(Locale.ROOT, "            with start-up and shutdown (%s s, on a one-line "
                                + "file, subtracted above): %.0f %% of core (rounds' %s %%)%n",
                                overheads.get(p).stream().map(o -> String.format(Locale.ROOT, "%.1f", o / 1e9))
                                        .collect(Collectors.joining(" ")), 100 * median(whole), percents(whole));
                        continue;
                    }
                    // the machine's speed drifts between rounds (a slow round is slow for every configuration), so
                    // the share is paired: this configuration over plain in the same round, the median of those
                    List<Double> shares = new ArrayList<>();
                    for (int i = 0; i < r.size(); i++) shares.add(r.get(i) / plain.get(i));
                    String sharesText = percents(shares);
                    System.out.printf(Locale.ROOT, "flink p=%d%s : %.2f M readings/s (median of %s), %.0f %% of plain "
                            + "at p=%d (median of the rounds' %s %%)%n", p, c.label(), rate / 1e6, runsText,
                            100 * median(shares), p, sharesText);
                }
            }
        } finally {
            BenchFiles.deleteTree(dir);
        }
    }


    /** One way of running the job: on which input, how many readings it holds, inside which boundary. */
    private record Config(String label, Path input, long readings, Boundary boundary, boolean sealedInput) {
    }

    /** The core engine's rate on {@code csv}: file in, spec files out, one thread. */
    private static double coreRate(Path csv, Path out, long lines) throws IOException, InterruptedException {
        System.gc(); // (the previous round's Flink cluster is garbage: collected and settled before the core runs)
        Thread.sleep(1000);
        long start = System.nanoTime();
        try (InputStream in = new BufferedInputStream(Files.newInputStream(csv), 1 << 16);
             ResultFiles files = new ResultFiles(out, QueryConfig.DEFAULT)) {
            new Replay(QueryConfig.DEFAULT, 0).run(in, files);
        }
        return lines * 1e9 / (System.nanoTime() - start);
    }

    private static String text(List<Double> rates) {
        return rates.stream().map(x -> String.format(Locale.ROOT, "%.2f", x / 1e6)).collect(Collectors.joining(" "));
    }

    private static String percents(List<Double> shares) {
        return shares.stream().map(x -> String.format(Locale.ROOT, "%.0f", 100 * x)).collect(Collectors.joining(" "));
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static long time(Path input, Path out, int parallelism, Boundary boundary) throws Exception {
        return time(input, out, parallelism, boundary, false);
    }

    private static long time(Path input, Path out, int parallelism, Boundary boundary, boolean sealedInput)
            throws Exception {
        BenchFiles.deleteTree(out); // the previous run's
        long start = System.nanoTime();
        FlinkRun run = new FlinkRun(QueryConfig.DEFAULT, 0, FlinkRun.DEFAULT_CHECKPOINT_INTERVAL).boundary(boundary);
        if (sealedInput) {
            RunDirectory work = new RunDirectory(out);
            work.prepare(run.identity(input), true);
            run.run(FlinkRun.embedded(parallelism), GridletJob.sealedSource(input.toString(), boundary), "sealed",
                    out, work, Optional.empty(), job -> { }, results -> { });
        } else {
            run.runFresh(FlinkRun.embedded(parallelism), input, out);
        }
        return System.nanoTime() - start;
    }

    /** The readings of a CSV file sealed by one meter (as gridlet seal writes them); returns how many. */
    private static long sealInput(Path csv, Path sealed, ReadingKeys owner) throws IOException {
        MeterIdentity meter = new MeterIdentity("bench-meter", HouseSet.ALL);
        MeterSealer sealer = new MeterSealer(meter, owner.meters().keyPair(meter),
                ReadingSuite.publicKey(owner.ingestPublic()), 1);
        long n = 0;
        try (MeasurementReader reader = new MeasurementReader(new BufferedInputStream(Files.newInputStream(csv),
                1 << 16), new Rejections());
             SealedReadingFile.Writer out = new SealedReadingFile.Writer(Files.newOutputStream(sealed), sealer)) {
            for (Measurement m = reader.next(); m != null; m = reader.next()) {
                out.add(m);
                n++;
            }
        }
        return n;
    }

    private EngineComparison() {
    }
}
