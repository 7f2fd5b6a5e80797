package io.gridlet.bench;

import io.gridlet.core.csv.MeasurementReader;
import io.gridlet.core.csv.Rejections;
import io.gridlet.core.generate.GeneratedInput;
import io.gridlet.core.generate.GeneratorConfig;
import io.gridlet.core.generate.MeasurementGenerator;
import io.gridlet.core.model.Measurement;
import io.gridlet.core.model.Property;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A DEBS'14-shaped data set for benchmarks: {@code plugs} plugs (10 houses × 4 households × n plugs), one load and
 * one work reading per plug per second like the original, clean (no gaps, no bad lines), fixed seed.
 */
public final class DebsShapedData {
    /** Lines in one hour of 200 plugs: 200 × 3600 × (load + work). */
    public static final int HOUR_OF_200_PLUGS = 200 * 3600 * 2;
    private DebsShapedData() {
    }

    public static GeneratorConfig config(int plugs, double days) {
        if (plugs % 40 != 0) throw new IllegalArgumentException("plugs must be a multiple of 40");
        return GeneratorConfig.builder().seed(2014)
                .layout(10, 4, plugs / 40)
                .span(days, 1)
                .gaps(0.0, 0.0, 0)
                .badLines(0.0, 0.0)
                .build();
    }

    /** Writes the CSV to {@code file}; returns its number of lines. */
    public static long writeCsv(GeneratorConfig config, Path file) throws IOException {
        MeasurementGenerator generator = new MeasurementGenerator(config);
        try (InputStream in = new GeneratedInput(generator)) {
            Files.copy(in, file);
        }
        return generator.lines();
    }

    /** The CSV bytes. */
    public static byte[] csv(GeneratorConfig config) {
        try (InputStream in = new GeneratedInput(new MeasurementGenerator(config))) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** SourceRecord readings in primitive columns, so that a benchmark can replay them without the parser. */
    public static final class Columns {
        public final long[] ts;
        public final long[] house;
        public final long[] household;
        public final long[] plug;
        public final long[] milli;
        public final boolean[] load;
        public final int size;

        Columns(int capacity) {
            ts = new long[capacity];
            house = new long[capacity];
            household = new long[capacity];
            plug = new long[capacity];
            milli = new long[capacity];
            load = new boolean[capacity];
            size = 0;
        }

        private Columns(Columns c, int size) {
            this.ts = Arrays.copyOf(c.ts, size);
            this.house = Arrays.copyOf(c.house, size);
            this.household = Arrays.copyOf(c.household, size);
            this.plug = Arrays.copyOf(c.plug, size);
            this.milli = Arrays.copyOf(c.milli, size);
            this.load = Arrays.copyOf(c.load, size);
            this.size = size;
        }

        public Measurement measurement(int i) {
            return new Measurement(i, ts[i], milli[i], load[i] ? Property.LOAD
                    : Property.WORK, plug[i], household[i], house[i]);
        }
    }

    public static Columns columns(GeneratorConfig config) {
        Columns c = new Columns((int) config.maxLines());
        int n = 0;
        try (MeasurementReader reader = new MeasurementReader(new GeneratedInput(new MeasurementGenerator(config)),
                new Rejections())) {
            for (Measurement m; (m = reader.next()) != null; n++) {
                c.ts[n] = m.timestamp();
                c.house[n] = m.houseId();
                c.household[n] = m.householdId();
                c.plug[n] = m.plugId();
                c.milli[n] = m.milliValue();
                c.load[n] = m.isLoad();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Columns(c, n);
    }
}
