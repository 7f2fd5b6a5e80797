package io.gridlet.bench;

import io.gridlet.core.q2.PlugMedians;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * What a checkpoint costs Q2's per-plug stage: its whole state (every reading in its longest window, 16 bytes each)
 * written into the parts of 128 key groups, for 200 plugs reading every second over {@code hours} of data time
 * (a live service that has run a day holds 24). Flink's checkpoint then writes these bytes; that is not counted.
 * Run: {@code ./bench jmh SnapshotBenchmark}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx6g"})
@Warmup(iterations = 3, time = 2)
@org.openjdk.jmh.annotations.Measurement(iterations = 5, time = 2)
public class SnapshotBenchmark {
    @Param({"1", "8"})
    public int hours;

    private PlugMedians medians;

    @Setup
    public void setUp() {
        medians = new PlugMedians(new int[] {3600, 86400});
        SplittableRandom random = new SplittableRandom(2014);
        long t0 = 1_377_986_401L;
        for (int s = 0; s < hours * 3600; s++) {
            for (int p = 0; p < 200; p++) medians.add(t0 + s, p / 20, (p / 5) % 4, p % 5, random.nextInt(5000));
            medians.evaluate(t0 + s, change -> { });
        }
    }

    @Benchmark
    public byte[][] snapshot() throws IOException {
        return medians.snapshotParts(128, plug -> (int) ((plug.house() * 31 + plug.household() * 7 + plug.plug()) & 127));
    }
}
