package io.gridlet.core.engine;

import io.gridlet.core.csv.MeasurementReader;
import io.gridlet.core.csv.Rejections;
import io.gridlet.core.model.Measurement;
import io.gridlet.core.result.ResultSink;

import java.io.IOException;
import java.io.InputStream;
import java.util.function.Consumer;

/**
 * The core pipeline over one input: read → validate → order → both queries → sink, on the calling thread.
 * Progress counters are published every few thousand lines so another thread can display them.
 */
public final class Replay {
    private static final int PUBLISH_EVERY = 1 << 14;

    private final QueryConfig config;
    private final long maxLateness;
    private final Rejections rejections = new Rejections();

    private volatile Progress progress = new Progress(0, 0, Long.MIN_VALUE, 0, 0);

    /** A consistent view of how far the replay is. */
    public record Progress(long lines, long bytes, long dataTime, long loads, long works) {
    }

    /** Totals at the end of a replay. */
    public record Summary(long lines, long bytes, long loads, long works, long rounded, long dataTimeStart,
                          long dataTimeEnd, Rejections rejections, long nanos) {
        public long validReadings() {
            return loads + works;
        }
    }

    public Replay(QueryConfig config, long maxLatenessSeconds) {
        this.config = config;
        this.maxLateness = maxLatenessSeconds;
    }

    public Rejections rejections() {
        return rejections;
    }

    public Progress progress() {
        return progress;
    }

    public Summary run(InputStream input, ResultSink sink) throws IOException {
        long start = System.nanoTime();
        QueryEngine engine = new QueryEngine(config, sink);
        OrderGate gate = new OrderGate(maxLateness, rejections);
        long[] counts = new long[2]; // valid readings reaching the queries: works, loads
        long[] first = {Long.MIN_VALUE};
        Consumer<Measurement> apply = m -> {
            if (first[0] == Long.MIN_VALUE) first[0] = m.timestamp();
            counts[m.property().code()]++;
            engine.accept(m);
        };
        try (MeasurementReader reader = new MeasurementReader(input, rejections)) {
            long nextPublish = PUBLISH_EVERY;
            Measurement m;
            while ((m = reader.next()) != null) {
                gate.offer(m, reader.lineNumber(), apply);
                if (reader.lineNumber() >= nextPublish) {
                    nextPublish = reader.lineNumber() + PUBLISH_EVERY;
                    progress = new Progress(reader.lineNumber(), reader.bytesConsumed(), engine.dataTime(),
                            counts[1], counts[0]);
                }
            }
            gate.flush(apply);
            engine.finish();
            progress = new Progress(reader.lineNumber(), reader.bytesConsumed(), engine.dataTime(), counts[1],
                    counts[0]);
            return new Summary(reader.lineNumber(), reader.bytesConsumed(), counts[1], counts[0],
                    reader.roundedValues(), first[0], engine.dataTime(), rejections, System.nanoTime() - start);
        }
    }
}
