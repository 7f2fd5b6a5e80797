package io.gridlet.flink;

import io.gridlet.core.engine.QueryConfig;
import io.gridlet.core.engine.QueryEngine;
import io.gridlet.core.model.Measurement;
import io.gridlet.enclave.sealing.SealedBlock;
import io.gridlet.flink.operators.Boundary;
import io.gridlet.flink.operators.GlobalSharesOperator;
import io.gridlet.flink.operators.LoadForecastOperator;
import io.gridlet.flink.operators.OrderGateOperator;
import io.gridlet.flink.operators.Partitioning;
import io.gridlet.flink.operators.PlugMediansOperator;
import io.gridlet.flink.operators.ResultRecord;
import io.gridlet.flink.operators.WindowChangeRecord;
import io.gridlet.flink.source.MeasurementFormat;
import io.gridlet.flink.source.PartitionAlignment;
import io.gridlet.flink.source.SealedFormat;
import io.gridlet.flink.source.SourceRecord;
import io.gridlet.flink.types.MeasurementTypeInfo;
import io.gridlet.flink.types.ResultRecordTypeInfo;
import io.gridlet.flink.types.WindowChangeTypeInfo;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.core.fs.Path;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.time.Duration;
import java.util.List;

/**
 * The DEBS'14 queries as one Flink pipeline; the query logic is the core's, the job only routes and times it.
 *
 * <pre>
 * file --FileSource--> order gate (p=1: rejections, late readings, watermark = data time - 1)
 *   --keyBy(house)-----> Q1 LoadForecast per house group  -----------------------------\
 *   --keyBy(plug)------> Q2 PlugMedians per plug group -------> Q2 GlobalShares (p=1) --+--> results
 * </pre>
 *
 * Over a log of N partitions the source and the order gate run as N instances, one per partition; data time is
 * the watermark over them, the keyed stages hold readings of a gate ahead of the others, and Q2's per-plug half
 * also takes every gate's ticks (the timestamps it releases, broadcast) as a second input.
 *
 * Q1 is keyed by house so that a house's plug averages are summed where they are computed. Q2's plug medians
 * are keyed by plug (the work grows with plugs, so it spreads evenly) and run in parallel; only the global median
 * needs every value, and it gets them as per-timestamp changes into a histogram of counts (memory grows with
 * distinct values, not with readings).
 *
 * <p>Inside a sealed {@link Boundary} the same operators run; what changes is what leaves them: readings and
 * Q2's changes cross between tasks sealed (their serializers seal them), readings are routed by pseudonyms of
 * their houses and plugs, and every operator's state is sealed in checkpoints.
 *
 * <p>The source and gate have max parallelism = the partitions, the global stage 1; the keyed stages are the ones
 * a rescale changes, their state moving by key group.
 */
public final class GridletJob {
    /**
     * The code that runs inside the trusted boundary, by one class of each of its modules: the job's (operators,
     * sources, sinks), the core's (the queries) and the enclave's (sealing). What a runtime's attestation measures
     * ({@code CodeMeasurement.ofModules}: every class file of these modules) and the key broker's allowlist names.
     */
    public static final List<Class<?>> OPERATOR_CODE = List.of(OrderGateOperator.class, QueryEngine.class,
            SealedBlock.class);

    static final long TICK_FLUSH_MILLIS = 5;
    private final QueryConfig config;
    private final long maxLateness;
    private final long replayRate;
    private final Boundary boundary;
    private Duration maxDrift = PartitionAlignment.MAX_DRIFT;

    public GridletJob(QueryConfig config, long maxLatenessSeconds) {
        this(config, maxLatenessSeconds, 0);
    }

    /** @param replayRate input lines per second at most (a recorded file replayed like a live feed); 0: no limit */
    public GridletJob(QueryConfig config, long maxLatenessSeconds, long replayRate) {
        this(config, maxLatenessSeconds, replayRate, Boundary.PLAIN);
    }

    /**
     * @param boundary {@link Boundary#PLAIN}, or sealed: readings and Q2's changes cross between tasks sealed,
     *                 routed by pseudonyms, and every operator's state is sealed in checkpoints
     */
    public GridletJob(QueryConfig config, long maxLatenessSeconds, long replayRate, Boundary boundary) {
        if (replayRate < 0) throw new IllegalArgumentException("replay rate must be >= 0, got " + replayRate);
        this.config = config;
        this.maxLateness = maxLatenessSeconds;
        this.replayRate = replayRate;
        this.boundary = boundary;
    }

    /**
     * Over several partitions: how far (data time) a partition's reader may run ahead of the slowest one
     * ({@link PartitionAlignment#MAX_DRIFT} by default). The keyed stages hold about this much data time of
     * readings at most; a smaller drift holds less and caps how fast the readers go (see PartitionAlignment).
     */
    public GridletJob maxDrift(Duration drift) {
        if (drift.toMillis() < 1000) throw new IllegalArgumentException("a drift under a second of data time");
        this.maxDrift = drift;
        return this;
    }

    /** The two result streams: Q1's (parallel, in order per instance) and Q2's (one instance, in order). */
    public record Results(DataStream<ResultRecord> q1, DataStream<ResultRecord> q2) {
        /** Both, in no particular order (for collecting). */
        public DataStream<ResultRecord> all() {
            return q1.union(q2);
        }
    }

    /** Adds the pipeline over a CSV file to {@code env}; returns its results. */
    public Results results(StreamExecutionEnvironment env, String csvFile) {
        return results(env, csvSource(csvFile));
    }

    /** A DEBS'14 CSV file, read from the start, its position in checkpoints. */
    public static Source<SourceRecord, ?, ?> csvSource(String csvFile) {
        return FileSource.forRecordStreamFormat(new MeasurementFormat(), new Path(csvFile)).build();
    }

    /** A file of sealed readings ({@link io.gridlet.enclave.sealing.SealedReadingFile}), opened inside the boundary. */
    public static Source<SourceRecord, ?, ?> sealedSource(String file) {
        return sealedSource(file, Boundary.PLAIN);
    }

    /**
     * A sealed readings file; inside a sealed {@code boundary} its readings are opened in the source's reader
     * thread (the order gate then checks them for replays and orders them), else left sealed.
     */
    public static Source<SourceRecord, ?, ?> sealedSource(String file, Boundary boundary) {
        return FileSource.forRecordStreamFormat(new SealedFormat(boundary.isSealed() ? boundary.keysName() : null),
                new Path(file)).build();
    }

    /**
     * Adds the pipeline over any source of parsed readings (a file, the ingest log of one partition) to
     * {@code env}; returns its results. The source runs at parallelism 1: the order gate after it sees every
     * reading in its order.
     */
    public Results results(StreamExecutionEnvironment env, Source<SourceRecord, ?, ?> source) {
        return results(env, source, 1);
    }

    /**
     * Adds the pipeline over a source of {@code partitions} splits, read by as many source instances, each followed
     * by its own order gate (its partition's order, lateness, rejections and clock); data time is then the watermark
     * over the gates, and the keyed stages hold readings of a gate ahead of the others until it reaches them. Every
     * partition must be in timestamp order within the lateness on its own (the log's partitions are: the service
     * checks each reading against its one clock). A partition's reader ahead of the slowest by more than
     * {@link PartitionAlignment#MAX_DRIFT} of data time waits for it, which bounds what the keyed stages hold.
     */
    public Results results(StreamExecutionEnvironment env, Source<SourceRecord, ?, ?> source, int partitions) {
        if (partitions < 1) throw new IllegalArgumentException("partitions must be >= 1, got " + partitions);
        boolean partitioned = partitions > 1;
        // every operator here reads a record and lets go of it (and the records are immutable): chained operators
        // may pass them on without Flink copying each one through its serializer
        env.getConfig().enableObjectReuse();
        SingleOutputStreamOperator<Measurement> readings = env
                // the gates make the job's watermarks; over several partitions the source's only keep its readers
                // within a drift of data time of each other
                .fromSource(source, partitioned ? PartitionAlignment.strategy(maxDrift)
                        : WatermarkStrategy.noWatermarks(), "readings")
                .setParallelism(partitions).setMaxParallelism(partitions)
                // order, lateness, rejections, and the data-time clock: one instance sees a partition's readings
                .transform("order-gate", boundary.wire(MeasurementTypeInfo.INSTANCE),
                        new OrderGateOperator(maxLateness, replayRate, boundary, partitioned))
                .setParallelism(partitions).setMaxParallelism(partitions);
        // behind several gates Q2 moves with the slowest of its inputs, the ticks' too: their buffers fill slowly
        // (8 bytes a tick), so they are sent every few milliseconds, not after Flink's default 100 ms (meanwhile
        // the keyed stages would hold every reading of those 100 ms)
        if (partitioned) readings.setBufferTimeout(TICK_FLUSH_MILLIS);

        DataStream<ResultRecord> q1 = readings
                .keyBy(new Partitioning.ByHouse(boundary))
                .transform("q1-load-forecast", boundary.wire(ResultRecordTypeInfo.INSTANCE),
                        new LoadForecastOperator(config.epoch(), config.sliceSeconds(), config.forecaster(), boundary));

        KeyedStream<Measurement, Long> byPlug = readings.keyBy(new Partitioning.ByPlug(boundary));
        PlugMediansOperator plugMedians = new PlugMediansOperator(config.windowSeconds(), boundary, partitioned);
        DataStream<WindowChangeRecord> changes = partitioned
                // behind several gates the timestamps to evaluate come from every gate, broadcast
                ? byPlug.connect(readings.getSideOutput(OrderGateOperator.TICKS).broadcast())
                        .transform("q2-plug-medians", boundary.wire(WindowChangeTypeInfo.INSTANCE), plugMedians)
                : byPlug.transform("q2-plug-medians", boundary.wire(WindowChangeTypeInfo.INSTANCE), plugMedians);
        DataStream<ResultRecord> q2 = changes
                .transform("q2-global-shares", boundary.wire(ResultRecordTypeInfo.INSTANCE),
                        new GlobalSharesOperator(config.windowSeconds(), boundary))
                // a task of its own even at parallelism 1, so that the per-plug half can be rescaled alone
                .setParallelism(1).setMaxParallelism(1).startNewChain();

        return new Results(q1, q2);
    }
}
