package io.gridlet.core.testing;

import io.gridlet.core.csv.MeasurementReader;
import io.gridlet.core.csv.Rejections;
import io.gridlet.core.engine.OrderGate;
import io.gridlet.core.generate.GeneratorConfig;
import io.gridlet.core.generate.MeasurementGenerator;
import io.gridlet.core.model.Measurement;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Generated data for tests: as lines, as bytes, and as the ordered readings the queries see. */
public final class Generated {
    private Generated() {
    }

    public static List<String> lines(GeneratorConfig config) {
        MeasurementGenerator generator = new MeasurementGenerator(config);
        List<String> lines = new ArrayList<>();
        StringBuilder sb = new StringBuilder();
        while (generator.nextLine(sb)) {
            lines.add(sb.toString());
            sb.setLength(0);
        }
        return lines;
    }

    /** The valid readings of a generated data set, in the order the queries see them (bad and late lines out). */
    public static List<Measurement> readings(GeneratorConfig config) throws IOException {
        Rejections rejections = new Rejections();
        MeasurementReader reader = new MeasurementReader(
                bytes(lines(config)), rejections);
        OrderGate gate = new OrderGate(0, rejections);
        List<Measurement> all = new ArrayList<>();
        for (Measurement m; (m = reader.next()) != null; ) {
            gate.offer(m, reader.lineNumber(), all::add);
        }
        gate.flush(all::add);
        return all;
    }

    public static InputStream bytes(List<String> lines) {
        return new ByteArrayInputStream((String.join("\n", lines) + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    /** A small DEBS-like shape: {@code houses} × 2 households × 2 plugs, {@code days} days, gaps and bad lines. */
    public static GeneratorConfig shape(long seed, int houses, double days, int interval) {
        return GeneratorConfig.builder().seed(seed)
                .layout(houses, 2, 2)
                .span(days, interval)
                .gaps(0.02, 0.3, 40)
                .badLines(0.01, 0.02)
                .build();
    }
}
