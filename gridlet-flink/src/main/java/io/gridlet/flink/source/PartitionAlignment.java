package io.gridlet.flink.source;

import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;

import java.time.Duration;

/**
 * Keeps the readers of a partitioned log within {@link #MAX_DRIFT} of data time of each other, with Flink's
 * watermark alignment: each source instance's watermark is the newest data time its partition's entries carry
 * (the service's clock records; in a log written without them, the plain readings' timestamps; in milliseconds),
 * and a reader whose watermark is more than the drift ahead of the slowest
 * reader's is paused until that one catches up. Without it, a reader that runs ahead (a backlog after a restart,
 * partitions of unequal weight) would make the keyed stages hold its readings, in memory and in checkpoints, until
 * data time reaches them (see the keyed operators' held readings); with it they hold at most about
 * {@code MAX_DRIFT + lateness} of data time of one partition.
 *
 * <p>These watermarks only pace the readers: the order gate after each source makes the job's watermarks and
 * ignores the source's. A reader that finished holds no one back, nor one that has not reported a data time yet.
 * There is no idleness: a source marked idle drops the watermarks it passes to its chained gate, the end of input
 * among them; and the service's clock entries move every partition while the service runs. (A partition no one
 * writes, in a log written without clock entries, holds the others at its last data time plus the drift.)
 */
public final class PartitionAlignment {
    /**
     * How far (data time) a partition's reader may be ahead of the slowest one. Not much less: the readers learn
     * where the slowest is every {@link #UPDATE_INTERVAL} or two, so even the slowest one pauses when it moved more
     * than the drift in that time, which caps the job at about drift / (2 x interval) of data time per second
     * (here 6,000 s of data time per second: 60 M readings/s at 10,000 plugs reading every second).
     */
    public static final Duration MAX_DRIFT = Duration.ofMinutes(10);
    /** How often the readers' watermarks are compared (wall time). */
    public static final Duration UPDATE_INTERVAL = Duration.ofMillis(50);
    private static final String GROUP = "gridlet-log-partitions";

    private PartitionAlignment() {
    }

    /** The source's watermark strategy for a log of several partitions, with readers at most {@code drift} apart. */
    public static WatermarkStrategy<SourceRecord> strategy(Duration drift) {
        return WatermarkStrategy.<SourceRecord>forGenerator(context -> new DataTime())
                .withTimestampAssigner((record, previous) -> {
                    long t = DataTime.of(record);
                    return t == Long.MIN_VALUE ? previous : t;
                })
                .withWatermarkAlignment(GROUP, drift, UPDATE_INTERVAL);
    }

    /** Seconds of data time in milliseconds, saturated (a clock is the service's, but bounded all the same). */
    static long millis(long seconds) {
        if (seconds >= Long.MAX_VALUE / 1000) return Long.MAX_VALUE - 1;
        if (seconds <= Long.MIN_VALUE / 1000) return Long.MIN_VALUE + 1;
        return seconds * 1000;
    }

    /**
     * The watermark is the newest data time seen, emitted as soon as it moves: alignment then stops a reader at the
     * entry that took it past the allowed drift, not up to an emission interval later. Once a clock entry was seen,
     * only clocks count (a meter may send readings up to the service's max-ahead after its data time: pacing by
     * them would pause a reader whose gate is not ahead); before, in a log written without clocks, the readings'.
     */
    static final class DataTime implements WatermarkGenerator<SourceRecord> {
        private long newest = Long.MIN_VALUE;
        private boolean clocked;

        /** A record's data time in milliseconds: a clock's, a plain reading's; else Long.MIN_VALUE (sealed, rejected). */
        static long of(SourceRecord record) {
            if (record.isClock()) return millis(record.clock());
            if (record.isReading()) return millis(record.reading().timestamp());
            return Long.MIN_VALUE;
        }

        @Override
        public void onEvent(SourceRecord record, long timestamp, WatermarkOutput output) {
            if (record.isClock()) clocked = true;
            else if (clocked) return;
            long t = of(record);
            if (t <= newest) return;
            newest = t;
            output.emitWatermark(new Watermark(t));
        }

        @Override
        public void onPeriodicEmit(WatermarkOutput output) {
        }
    }
}
