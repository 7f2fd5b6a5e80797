package io.gridlet.log;

import io.gridlet.core.model.Measurement;
import io.gridlet.core.model.Property;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LogRecordTest {
    private static final Measurement M = new Measurement(9, 1_377_986_401L, 12_345, Property.LOAD, 1, 2, 3);

    @Test
    void entriesWithAndWithoutDataTimeRoundTripAndSayTheirSize() throws IOException {
        List<LogRecord> entries = List.of(
                new LogRecord("meter-1", 7, List.of(M, M)),
                new LogRecord("meter-1", 7, List.of(M)).withDataTime(1_377_986_500L),
                LogRecord.sealed("meter-2", 3, List.of(new byte[] {1, 2, 3}, new byte[0])),
                LogRecord.sealed("meter-2", 3, List.of(new byte[] {4})).withDataTime(5),
                LogRecord.END_OF_DATA);
        for (LogRecord e : entries) {
            byte[] bytes = e.encode();
            assertThat(bytes).hasSize(e.encodedSize());
            LogRecord back = LogRecord.decode(bytes);
            assertThat(back.meter()).isEqualTo(e.meter());
            assertThat(back.lastSeq()).isEqualTo(e.lastSeq());
            assertThat(back.dataTime()).isEqualTo(e.dataTime());
            assertThat(back.readings()).isEqualTo(e.readings());
            assertThat(back.isSealed()).isEqualTo(e.isSealed());
            if (e.isSealed()) assertThat(back.sealed()).containsExactlyElementsOf(e.sealed());
        }
    }

    @Test
    void readsTheEntriesOfLogsWrittenBeforeEntriesCarriedDataTime() throws IOException {
        // kind 1, the layout of the first version: meter, lastSeq, count, readings
        byte[] name = "m".getBytes(StandardCharsets.UTF_8);
        ByteBuffer old = ByteBuffer.allocate(1 + 2 + name.length + 8 + 4 + Measurement.BINARY_LENGTH);
        old.put((byte) 1).putShort((short) name.length).put(name).putLong(4).putInt(1);
        M.writeTo(old);
        LogRecord back = LogRecord.decode(old.array());
        assertThat(back.readings()).containsExactly(M);
        assertThat(back.hasDataTime()).isFalse();
    }

    @Test
    void anEntryThatDoesNotDecodeIsAnIOException() {
        assertThatThrownBy(() -> LogRecord.decode(new byte[] {9})).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> LogRecord.decode(new byte[] {4, 0, 1, 'm'})).isInstanceOf(IOException.class);
    }

    @Test
    void bytesAfterAnEntryAreNotPartOfIt() { // found by LogFuzzTest: they were ignored
        assertThatThrownBy(() -> LogRecord.decode(new byte[] {2, 0, 0, 0, 1})).isInstanceOf(IOException.class)
                .hasMessageContaining("4 bytes after a log entry");
        for (LogRecord e : List.of(new LogRecord("m", 1, List.of(M)), LogRecord.sealed("m", 1, List.of(new byte[] {1})))) {
            byte[] bytes = e.encode();
            byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
            assertThatThrownBy(() -> LogRecord.decode(longer)).isInstanceOf(IOException.class)
                    .hasMessageContaining("1 bytes after a log entry");
        }
    }
}
