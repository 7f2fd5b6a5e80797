package io.gridlet.flink.log;

import io.gridlet.core.csv.MeasurementReader;
import io.gridlet.core.engine.QueryConfig;
import io.gridlet.core.generate.GeneratorConfig;
import io.gridlet.core.model.Measurement;
import io.gridlet.flink.FlinkRun;
import io.gridlet.flink.Generated;
import io.gridlet.flink.RunDirectory;
import io.gridlet.flink.source.PartitionAlignment;
import io.gridlet.log.IngestLog;
import io.gridlet.log.LogRecord;
import io.gridlet.log.local.LocalLog;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The job over a local log of 1, 2 and 4 partitions at parallelism 1, 2 and 4, each partition read by its own
 * source instance and order gate: the result files equal the core's on the same readings (in order), whether the
 * partitions' gates run on the readings' own clock or on the service's clock entries (with a partition that has
 * no meter at all, which only the clock entries move), and counts are the sum over the gates.
 */
class PartitionedLogTest {
    /** Meters (one per household: 8 of them), each appending entries of this many readings, interleaved. */
    private static final int ENTRY = 40;
    static final long LATENESS = 600;

    @TempDir
    static Path shared;
    private static final Map<String, Data> DATA = new TreeMap<>();

    @TempDir
    Path dir;

    /** A generated data set: the readings in order, and the core's result files for them. */
    record Data(Generated generated, List<Measurement> readings) {
        static Data of(Path dir, GeneratorConfig shape) throws IOException {
            Files.createDirectories(dir);
            Generated generated = Generated.in(dir, shape);
            List<Measurement> readings = new ArrayList<>();
            try (MeasurementReader reader = new MeasurementReader(Files.newInputStream(generated.csv()),
                    (l, r, m, t) -> { })) {
                for (Measurement m; (m = reader.next()) != null; ) readings.add(m);
            }
            return new Data(generated, readings);
        }
    }

    /**
     * Two shapes: every plug every second (each keyed instance has readings at nearly every timestamp), and every
     * plug every 8 s at its own offset (an instance often has none at a timestamp where Q2 must still evaluate: only
     * the other gates' ticks tell it).
     */
    @BeforeAll
    static void generate() throws IOException {
        DATA.put("dense", Data.of(shared.resolve("dense"), GeneratorConfig.builder().seed(29).layout(4, 2, 2)
                .span(1_800 / 86_400.0, 1).gaps(0.01, 0.0, 0).badLines(0.0, 0.0).build()));
        DATA.put("long", Data.of(shared.resolve("long"), GeneratorConfig.builder().seed(37).layout(4, 2, 3)
                .span(4 * 3_600 / 86_400.0, 1).gaps(0.0, 0.0, 0).badLines(0.0, 0.0).build()));
        DATA.put("sparse", Data.of(shared.resolve("sparse"), GeneratorConfig.builder().seed(31).layout(4, 2, 3)
                .span(2 * 3_600 / 86_400.0, 8).gaps(0.05, 0.05, 0).badLines(0.0, 0.0).build()));
    }

    /**
     * Appends the readings as meters would: one meter per household, each meter's readings in entries of
     * {@value #ENTRY}, the entries in the order their last reading was read. With {@code clock}, every entry carries
     * the data time it was checked against (the newest timestamp of the entries before it, minus nothing: no
     * reading is older than it minus the lateness here) and a clock entry follows when it moved, as the service
     * writes them.
     */
    static long write(LocalLog log, List<Measurement> readings, boolean clock) throws Exception {
        return write(log, readings, clock, m -> "meter-" + m.houseId() + "-" + m.householdId());
    }

    /** As {@link #write(LocalLog, List, boolean)}, each reading sent by the meter {@code meterOf} names. */
    private static long write(LocalLog log, List<Measurement> readings, boolean clock,
                              Function<Measurement, String> meterOf) throws Exception {
        Map<String, List<Measurement>> pending = new TreeMap<>();
        Map<String, Long> seq = new TreeMap<>();
        List<CompletableFuture<Void>> acks = new ArrayList<>();
        long newest = Long.MIN_VALUE, logged = Long.MIN_VALUE;
        try (IngestLog.Writer writer = log.openWriter()) {
            assertThat(writer.partitions()).isEqualTo(log.partitions());
            for (Measurement m : readings) {
                String meter = meterOf.apply(m);
                List<Measurement> batch = pending.computeIfAbsent(meter, k -> new ArrayList<>());
                batch.add(m);
                if (batch.size() < ENTRY) continue;
                long dataTime = newest == Long.MIN_VALUE ? 0 : newest;
                for (Measurement r : batch) newest = Math.max(newest, r.timestamp());
                LogRecord entry = new LogRecord(meter, seq.merge(meter, (long) batch.size(), Long::sum),
                        List.copyOf(batch));
                acks.add(writer.append(clock ? entry.withDataTime(dataTime) : entry));
                batch.clear();
                if (clock && dataTime > logged) {
                    logged = dataTime;
                    acks.add(writer.append(LogRecord.clock(dataTime)));
                }
            }
            for (Map.Entry<String, List<Measurement>> e : pending.entrySet()) {
                if (e.getValue().isEmpty()) continue;
                LogRecord entry = new LogRecord(e.getKey(), seq.merge(e.getKey(), (long) e.getValue().size(),
                        Long::sum), List.copyOf(e.getValue()));
                acks.add(writer.append(clock ? entry.withDataTime(newest - LATENESS) : entry));
            }
            acks.add(writer.append(LogRecord.END_OF_DATA));
            CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            assertThat(writer.lastSequences()).isEqualTo(seq);
        }
        return readings.size();
    }

    /**
     * Partitions of unequal weight: after a first hour where the households are spread evenly, one household's
     * meter is alone in partition 1 (3 plugs), the seven others in partition 0. Partition 1's reader then gets
     * through data time seven times faster; unpaced, it would run to its end while partition 0's is a fraction of
     * the way, and the keyed stages would hold nearly all its readings until data time reached them. Watermark
     * alignment (here with a drift of 5 minutes) keeps every reader within the drift of the slowest, from the
     * start (every reader waits until every reader has told alignment where it is): the keyed stages then hold
     * about the drift's worth of the readings that reach one instance (24 a second here), and the files are exact.
     */
    @Test
    void aPartitionAheadOfTheOthersWaitsForThem() throws Exception {
        LocalLog log = new LocalLog(dir.resolve("log"), LocalLog.Fsync.NEVER, LocalLog.DEFAULT_SEGMENT_BYTES, 2);
        Data data = DATA.get("long");
        List<Measurement> readings = data.readings();
        long skewFrom = readings.get(0).timestamp() + 3_600;
        String alone = meterIn(1, "alone"), crowd = meterIn(0, "crowd");
        List<String> early = new ArrayList<>();
        for (int k = 0; k < 8; k++) early.add(meterIn(k % 2, "early-" + k));
        long write = write(log, readings, true, m -> m.timestamp() < skewFrom
                ? early.get((int) (m.houseId() * 2 + m.householdId()))
                : m.houseId() == 0 && m.householdId() == 0 ? alone : crowd + "-" + m.houseId() + "-" + m.householdId());
        long ahead = readings.stream().filter(m -> m.isLoad() && m.timestamp() >= skewFrom && m.houseId() == 0
                && m.householdId() == 0).count();
        assertThat(ahead).isEqualTo(3 * 3 * 3_600); // (work readings go no further than the gate)
        FlinkRun.Outcome outcome = run(log, 2, data.generated(), Duration.ofMinutes(5));
        assertThat(outcome.counts().lines()).isEqualTo(write);
        // 300 s x 24 readings a second: 7,344 in two runs on this 2-core machine; 25,380 without alignment
        assertThat(outcome.mostHeldAhead()).as("readings held at once, of %d in the partition ahead", ahead)
                .isLessThan(ahead / 2);
    }

    /** A meter name (prefix-n) whose entries go to {@code partition} of 2. */
    private static String meterIn(int partition, String prefix) {
        for (int n = 0; ; n++) {
            String name = prefix + "-" + n;
            if (IngestLog.partitionOf(name, 2) == partition
                    && (!prefix.equals("crowd") || allIn(partition, name))) return name;
        }
    }

    /** Every crowd meter's name (name-house-household) in the partition. */
    private static boolean allIn(int partition, String name) {
        for (int h = 0; h < 4; h++) {
            for (int hh = 0; hh < 2; hh++) {
                if (IngestLog.partitionOf(name + "-" + h + "-" + hh, 2) != partition) return false;
            }
        }
        return true;
    }

    private FlinkRun.Outcome run(LocalLog log, int parallelism, Generated generated) throws Exception {
        return run(log, parallelism, generated, PartitionAlignment.MAX_DRIFT);
    }

    private FlinkRun.Outcome run(LocalLog log, int parallelism, Generated generated, Duration drift)
            throws Exception {
        Path out = dir.resolve("out");
        RunDirectory work = new RunDirectory(out);
        FlinkRun run = new FlinkRun(QueryConfig.DEFAULT, LATENESS, Duration.ofMillis(300))
                .partitions(log.partitions()).maxDrift(drift);
        work.prepare(run.identity(log.describe()), true);
        FlinkRun.Outcome outcome = run.run(FlinkRun.embedded(parallelism, Math.max(parallelism, log.partitions()),
                        0), LogSources.of(log), "partitioned log test", out, work, Optional.empty(), job -> { },
                results -> { });
        generated.assertSameFiles(out);
        return outcome;
    }

    @ParameterizedTest(name = "{0} partitions, parallelism {1}, service clock {2}, {3}")
    @CsvSource({"1,1,false,dense", "1,2,true,sparse", "1,4,false,dense", "2,1,true,sparse", "2,2,false,dense",
            "2,4,true,sparse", "4,1,false,sparse", "4,2,true,dense", "4,4,true,sparse", "3,2,false,sparse"})
    void resultsEqualTheCoresForEveryPartitioningAndParallelism(int partitions, int parallelism, boolean clock,
                                                                String shape) throws Exception {
        LocalLog log = new LocalLog(dir.resolve("log"), LocalLog.Fsync.NEVER, LocalLog.DEFAULT_SEGMENT_BYTES,
                partitions);
        Data data = DATA.get(shape);
        long written = write(log, data.readings(), clock);
        if (partitions > 1) { // every partition has a directory of its own, and the meters are spread over them
            for (int i = 0; i < partitions; i++) assertThat(log.partitionDir(i)).isDirectory();
            assertThat(LocalLog.partitionsIn(log.dir())).isEqualTo(partitions);
        }
        FlinkRun.Outcome outcome = run(log, parallelism, data.generated());
        assertThat(outcome.counts().loads() + outcome.counts().works()).isEqualTo(written);
        assertThat(outcome.counts().lines()).isEqualTo(written);
        assertThat(outcome.counts().rejections().total()).isZero();
    }

    /**
     * A run over 3 partitions at parallelism 3, replayed slowly, cancelled after two checkpoints (the keyed stages
     * hold readings of gates ahead of the others then, and ticks, in their checkpointed state) and resumed at
     * parallelism 2 (their key groups and what is held for them move): the files equal the core's.
     */
    @Test
    void aCancelledRunResumesRescaledWithWhatItHeld() throws Exception {
        LocalLog log = new LocalLog(dir.resolve("log"), LocalLog.Fsync.NEVER, LocalLog.DEFAULT_SEGMENT_BYTES, 3);
        Data data = DATA.get("sparse");
        long written = write(log, data.readings(), true);
        Path out = dir.resolve("out");
        RunDirectory work = new RunDirectory(out);
        FlinkRun first = new FlinkRun(QueryConfig.DEFAULT, LATENESS, Duration.ofMillis(200)).partitions(3)
                .replayRate(written / 3 / 6); // each gate paced: about 6 s for all
        runAndCancel(first, log, 3, out, work, "partitioned", outcome -> {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (checkpoints(work) < 2) {
                assertThat(System.nanoTime()).as("two checkpoints").isLessThan(deadline);
                assertThat(outcome.isDone()).as("still running at the second checkpoint").isFalse();
                Thread.sleep(20);
            }
        });
        assertThat(out.resolve("q1-plug-60.csv")).as("cancelled before finishing").doesNotExist();

        FlinkRun.Outcome outcome = resume(log, 2, out, work, "partitioned");
        data.generated().assertSameFiles(out);
        assertThat(outcome.counts().lines()).isEqualTo(written);
        assertThat(outcome.counts().rejections().total()).isZero();
    }

    /**
     * Two partitions of unequal weight (one household's meter alone in partition 1), replayed slowly: partition 1's
     * reader meets its end of data while partition 0's still has the last ten minutes of data time to read. The
     * run is cancelled then, and resumed from its last checkpoint: partition 1's gate must come back with its counts
     * (a source task that finished would have kept no state), and the files equal the core's.
     */
    @Test
    void aRunCancelledAfterOnePartitionEndedResumesWithThatPartitionsCounts() throws Exception {
        LocalLog log = new LocalLog(dir.resolve("log"), LocalLog.Fsync.NEVER, LocalLog.DEFAULT_SEGMENT_BYTES, 2);
        Data data = DATA.get("dense");
        String alone = meterIn(1, "alone"), crowd = meterIn(0, "crowd");
        long written = write(log, data.readings(), true,
                m -> m.houseId() == 0 && m.householdId() == 0 ? alone : crowd + "-" + m.houseId() + "-" + m.householdId());
        long inOne = data.readings().stream().filter(m -> m.houseId() == 0 && m.householdId() == 0).count();
        Path out = dir.resolve("out");
        RunDirectory work = new RunDirectory(out);
        // partition 0 paced to about 12 s; partition 1 meets its end when partition 0 is 10 minutes of data time
        // (a third of the data) from its own
        FlinkRun first = new FlinkRun(QueryConfig.DEFAULT, LATENESS, Duration.ofMillis(200)).partitions(2)
                .replayRate((written - inOne) / 12);
        runAndCancel(first, log, 2, out, work, "one partition ended", outcome -> {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (true) { // 78 % of the lines read: partition 1's all, partition 0's past two thirds
                assertThat(System.nanoTime()).as("78 % read").isLessThan(deadline);
                assertThat(outcome.isDone()).as("still running at 78 %").isFalse();
                io.gridlet.flink.operators.GateCounts counts = first.progress();
                if (counts != null && counts.lines() >= written * 78 / 100) break;
                Thread.sleep(20);
            }
            long at = checkpoints(work);
            while (checkpoints(work) < at + 2) { // a checkpoint taken after that
                assertThat(outcome.isDone()).as("still running two checkpoints later").isFalse();
                Thread.sleep(10);
            }
        });
        FlinkRun.Outcome outcome = resume(log, 2, out, work, "one partition ended");
        data.generated().assertSameFiles(out);
        assertThat(outcome.counts().lines()).as("every partition's lines, counted once").isEqualTo(written);
        assertThat(outcome.counts().rejections().total()).isZero();
    }

    /** Waits, while the run goes on, for the moment to cancel it. */
    private interface Moment {
        void await(java.util.concurrent.Future<FlinkRun.Outcome> outcome) throws Exception;
    }

    /** Runs {@code run} over the log from scratch at {@code parallelism}, and cancels it at the {@code moment}. */
    private static void runAndCancel(FlinkRun run, LocalLog log, int parallelism, Path out, RunDirectory work,
                                     String name, Moment moment) throws Exception {
        work.prepare(run.identity(log.describe()), true);
        CompletableFuture<org.apache.flink.core.execution.JobClient> job = new CompletableFuture<>();
        java.util.concurrent.ExecutorService background = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            java.util.concurrent.Future<FlinkRun.Outcome> outcome = background.submit(() -> run.run(
                    FlinkRun.embedded(parallelism, Math.max(parallelism, log.partitions()), 0), LogSources.of(log),
                    name + ", cancelled", out, work, Optional.empty(), job::complete, results -> { }));
            moment.await(outcome);
            job.get(30, TimeUnit.SECONDS).cancel().get(30, TimeUnit.SECONDS);
            assertThatThrownBy(() -> outcome.get(60, TimeUnit.SECONDS)).isInstanceOf(Exception.class);
        } finally {
            background.shutdownNow();
        }
    }

    /** Resumes the cancelled run from its last checkpoint at {@code parallelism}, to its end. */
    private static FlinkRun.Outcome resume(LocalLog log, int parallelism, Path out, RunDirectory work, String name)
            throws Exception {
        FlinkRun resumed = new FlinkRun(QueryConfig.DEFAULT, LATENESS, Duration.ofMillis(300))
                .partitions(log.partitions());
        Optional<Path> checkpoint = work.prepare(resumed.identity(log.describe()), false);
        assertThat(checkpoint).isPresent();
        return resumed.run(FlinkRun.embedded(parallelism, Math.max(parallelism, log.partitions()), 0),
                LogSources.of(log), name + ", resumed", out, work, checkpoint, j -> { }, results -> { });
    }

    static long checkpoints(RunDirectory work) throws IOException {
        Optional<Path> latest = work.latestCheckpoint();
        return latest.map(p -> Long.parseLong(p.getFileName().toString().substring("chk-".length()))).orElse(0L);
    }

    @Test
    void aLogKeepsThePartitionsItWasWrittenWith() throws Exception {
        LocalLog two = new LocalLog(dir.resolve("log"), LocalLog.Fsync.NEVER, LocalLog.DEFAULT_SEGMENT_BYTES, 2);
        try (IngestLog.Writer w = two.openWriter()) {
            w.append(new LogRecord("m", 1, List.of(DATA.get("dense").readings().get(0)))).get();
        }
        assertThatThrownBy(() -> two.withPartitions(3).openWriter().close())
                .hasMessageContaining("written with 2 partitions, not 3");
        assertThatThrownBy(() -> two.withPartitions(1).openWriter().close())
                .hasMessageContaining("written with 2 partitions, not 1");
        two.openWriter().close(); // the same number opens
    }

    @Test
    void anEndOfDataThatACrashLeftInSomePartitionsIsCompletedInTheOthers() throws Exception {
        LocalLog two = new LocalLog(dir.resolve("log"), LocalLog.Fsync.NEVER, LocalLog.DEFAULT_SEGMENT_BYTES, 2);
        two.openWriter().close();
        try (IngestLog.Writer p0 = new LocalLog(two.partitionDir(0), LocalLog.Fsync.NEVER).openWriter()) {
            p0.append(LogRecord.END_OF_DATA).get(); // as if the gateway died before writing partition 1's
        }
        try (IngestLog.Writer w = two.openWriter()) {
            assertThat(w.endOfData()).isTrue();
        }
        try (LocalLog.Reader r = two.reader(1, 0)) {
            assertThat(LogRecord.decode(r.next()).isEnd()).isTrue();
        }
    }
}
