package io.gridlet.core.csv;

import io.gridlet.core.model.Measurement;
import io.gridlet.core.model.Milli;

import java.io.Closeable;
import java.io.IOException;
import java.io.Writer;

/**
 * Writes readings as DEBS'14 CSV lines ({@code id,timestamp,value,property,plug_id,household_id,house_id}), values
 * with three decimals: what {@link MeasurementReader} reads back to equal readings.
 */
public final class MeasurementWriter implements Closeable {
    private final Writer out;
    private final StringBuilder line = new StringBuilder(96);

    public MeasurementWriter(Writer out) {
        this.out = out;
    }

    /** The CSV line of one reading, without a line break. */
    public static void append(StringBuilder sb, Measurement m) {
        sb.append(Long.toUnsignedString(m.id())).append(',').append(m.timestamp()).append(',');
        Milli.append(sb, m.milliValue());
        sb.append(',').append(m.property().code()).append(',').append(m.plugId()).append(',')
                .append(m.householdId()).append(',').append(m.houseId());
    }

    public void write(Measurement m) throws IOException {
        line.setLength(0);
        append(line, m);
        line.append('\n');
        out.append(line);
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
