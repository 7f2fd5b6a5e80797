package io.gridlet.bench;

import io.gridlet.core.csv.MeasurementReader;
import io.gridlet.core.csv.Rejections;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.io.ByteArrayInputStream;
import java.io.IOException;

/**
 * Parses DEBS-shaped CSV from memory: one hour of 200 plugs, a load and a work line per plug per second.
 * The score is lines/s (one operation = one line).
 * Run: {@code ./bench jmh CsvParserBenchmark}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class CsvParserBenchmark {
    private byte[] csv;
    private long lines;

    @Setup
    public void setUp() {
        csv = DebsShapedData.csv(DebsShapedData.config(200, 1.0 / 24)); // 1 h of 200 plugs: 1.44 M lines
        lines = 0;
        for (byte b : csv) if (b == '\n') lines++;
        if (lines != DebsShapedData.HOUR_OF_200_PLUGS) throw new IllegalStateException(lines + " lines");
    }

    @Benchmark
    @OperationsPerInvocation(DebsShapedData.HOUR_OF_200_PLUGS)
    public long parse(Blackhole bh) throws IOException {
        MeasurementReader reader = new MeasurementReader(new ByteArrayInputStream(csv), new Rejections());
        long n = 0;
        for (io.gridlet.core.model.Measurement m; (m = reader.next()) != null; n++) bh.consume(m);
        if (n != lines) throw new IllegalStateException("parsed " + n + " of " + lines);
        return n;
    }
}
