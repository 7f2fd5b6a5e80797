package io.gridlet.core.csv;

import io.gridlet.core.model.Measurement;
import io.gridlet.core.model.Property;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class MeasurementWriterTest {

    @Test
    void writesTheSpecLineFormat() throws IOException {
        StringWriter text = new StringWriter();
        try (MeasurementWriter writer = new MeasurementWriter(text)) {
            writer.write(new Measurement(-1L, 1377986401L, 50_000, Property.LOAD, 4294967295L, 0, 40));
            writer.write(new Measurement(7, 1377986402L, -1_234, Property.WORK, 1, 2, 3));
        }
        assertThat(text.toString()).isEqualTo(
                "18446744073709551615,1377986401,50.000,1,4294967295,0,40\n7,1377986402,-1.234,0,1,2,3\n");
    }

    @Test
    void whatItWritesReadsBackToEqualReadings() throws IOException {
        SplittableRandom random = new SplittableRandom(99);
        List<Measurement> written = new ArrayList<>();
        StringWriter text = new StringWriter();
        try (MeasurementWriter writer = new MeasurementWriter(text)) {
            for (int i = 0; i < 10_000; i++) {
                boolean load = random.nextBoolean();
                long value = load ? random.nextLong(Measurement.MAX_LOAD_MILLIWATTS + 1)
                        : random.nextLong(-1_000_000_000_000L, 1_000_000_000_000L);
                Measurement m = new Measurement(random.nextLong(), random.nextLong(1L << 32), value,
                        load ? Property.LOAD : Property.WORK, random.nextLong(1L << 32), random.nextLong(1L << 32),
                        random.nextLong(1L << 32));
                written.add(m);
                writer.write(m);
            }
        }
        Rejections rejections = new Rejections();
        MeasurementReader reader = new MeasurementReader(
                new ByteArrayInputStream(text.toString().getBytes(StandardCharsets.US_ASCII)), rejections);
        List<Measurement> read = new ArrayList<>();
        for (Measurement m; (m = reader.next()) != null; ) read.add(m);
        assertThat(read).isEqualTo(written);
        assertThat(rejections.total()).isZero();
    }
}
