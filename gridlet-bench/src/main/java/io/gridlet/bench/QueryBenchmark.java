package io.gridlet.bench;

import io.gridlet.core.engine.QueryConfig;
import io.gridlet.core.engine.QueryEngine;
import io.gridlet.core.q1.LoadForecast;
import io.gridlet.core.q2.OutlierDetection;
import io.gridlet.core.result.HouseForecast;
import io.gridlet.core.result.OutlierShare;
import io.gridlet.core.result.PlugForecast;
import io.gridlet.core.result.ResultSink;
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

/**
 * Q1, Q2 and both together in steady state on DEBS-shaped data (200 plugs, a load and a work reading per plug per
 * second): the state is first filled with 24 hours, so the 24 h window is full and Q1 has a day of history; each
 * invocation then feeds one more hour (1.44 M readings, half of them loads). Score: readings/s (all readings,
 * load and work, as the DEBS rate counts them), single thread, results discarded.
 * Run: {@code ./bench jmh QueryBenchmark}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@Fork(value = 1, jvmArgsAppend = {"-Xmx8g"})
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
public class QueryBenchmark {
    private static final int WARM_HOURS = 24;

    private DebsShapedData.Columns hour;
    private LoadForecast q1;
    private OutlierDetection q2;
    private QueryEngine engine;
    private long q1Hours, q2Hours, engineHours;
    private ResultSink sink;

    @Setup
    public void setUp(Blackhole bh) {
        hour = DebsShapedData.columns(DebsShapedData.config(200, 1.0 / 24));
        if (hour.size != DebsShapedData.HOUR_OF_200_PLUGS) throw new IllegalStateException(hour.size + " readings");
        sink = new BlackholeSink(bh);
        q1 = new LoadForecast(QueryConfig.DEFAULT_EPOCH, QueryConfig.DEFAULT_SLICES);
        q2 = new OutlierDetection(QueryConfig.DEFAULT_WINDOWS);
        engine = new QueryEngine(QueryConfig.DEFAULT, sink);
        for (int h = 0; h < WARM_HOURS; h++) {
            Feed.loadForecast(q1, hour, shift(q1Hours++), sink);
            Feed.outlierDetection(q2, hour, shift(q2Hours++), sink);
            Feed.engine(engine, hour, shift(engineHours++));
        }
    }

    private static long shift(long hours) {
        return hours * 3600;
    }

    @Benchmark
    @OperationsPerInvocation(DebsShapedData.HOUR_OF_200_PLUGS)
    public void q1LoadForecast() {
        Feed.loadForecast(q1, hour, shift(q1Hours++), sink);
    }

    @Benchmark
    @OperationsPerInvocation(DebsShapedData.HOUR_OF_200_PLUGS)
    public void q2OutlierDetection() {
        Feed.outlierDetection(q2, hour, shift(q2Hours++), sink);
    }

    @Benchmark
    @OperationsPerInvocation(DebsShapedData.HOUR_OF_200_PLUGS)
    public void q1AndQ2Engine() {
        Feed.engine(engine, hour, shift(engineHours++));
    }

    /** Consumes results so that the JIT cannot drop the work that makes them. */
    private record BlackholeSink(Blackhole bh) implements ResultSink {
        @Override
        public void plugForecast(PlugForecast f) {
            bh.consume(f);
        }

        @Override
        public void houseForecast(HouseForecast f) {
            bh.consume(f);
        }

        @Override
        public void outlierShare(OutlierShare s) {
            bh.consume(s);
        }
    }
}
