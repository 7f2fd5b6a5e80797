package io.gridlet.flink.source;

import io.gridlet.core.model.Measurement;
import io.gridlet.core.model.Property;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** What a partition's reader reports as its data time, for watermark alignment. */
class PartitionAlignmentTest {
    private static final long T0 = 1_377_986_401L;

    private static SourceRecord reading(long ts) {
        return SourceRecord.reading(1, new Measurement(1, ts, 10, Property.LOAD, 0, 0, 0), false);
    }

    private static final class Marks implements WatermarkOutput {
        final List<Long> emitted = new ArrayList<>();

        @Override
        public void emitWatermark(Watermark watermark) {
            emitted.add(watermark.getTimestamp());
        }

        @Override
        public void markIdle() {
            throw new AssertionError("never idle");
        }

        @Override
        public void markActive() {
        }
    }

    @Test
    void theReadingsTimestampsCountUntilAClockIsSeenThenOnlyClocks() {
        PartitionAlignment.DataTime time = new PartitionAlignment.DataTime();
        Marks out = new Marks();
        for (SourceRecord r : List.of(reading(T0), reading(T0 + 5), reading(T0 + 3), // a log without clocks
                SourceRecord.clock(T0 + 4), // older than the newest reading: nothing new
                reading(T0 + 1_800), // a meter ahead of the service's clock moves nothing now
                SourceRecord.clock(T0 + 10), SourceRecord.clock(T0 + 10), SourceRecord.clock(T0 + 12))) {
            time.onEvent(r, Long.MIN_VALUE, out);
        }
        time.onPeriodicEmit(out);
        assertThat(out.emitted).containsExactly(T0 * 1000, (T0 + 5) * 1000, (T0 + 10) * 1000, (T0 + 12) * 1000);
    }

    @Test
    void dataTimeInMillisecondsSaturates() {
        assertThat(PartitionAlignment.millis(T0)).isEqualTo(T0 * 1000);
        assertThat(PartitionAlignment.millis(Long.MAX_VALUE / 10)).isEqualTo(Long.MAX_VALUE - 1);
        assertThat(PartitionAlignment.millis(Long.MIN_VALUE / 10)).isEqualTo(Long.MIN_VALUE + 1);
    }
}
