package io.gridlet.core.testing;

import io.gridlet.core.generate.GeneratorConfig;
import io.gridlet.core.generate.MeasurementGenerator;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Generated CSV for tests: as lines and as bytes. */
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

    public static InputStream bytes(List<String> lines) {
        return new ByteArrayInputStream((String.join("\n", lines) + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    /** A small DEBS-like shape: {@code houses} × 2 households × 2 plugs, {@code days} days, gaps and bad lines. */
    public static GeneratorConfig shape(long seed, int houses, double days, int interval) {
        return new GeneratorConfig(seed, houses, 2, 2, days, interval, GeneratorConfig.DEFAULT_START,
                0.02, 0.3, 40, 0.01, 0.02);
    }
}
