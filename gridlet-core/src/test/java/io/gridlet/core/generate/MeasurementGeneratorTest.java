package io.gridlet.core.generate;

import io.gridlet.core.engine.QueryConfig;
import io.gridlet.core.engine.Replay;
import io.gridlet.core.result.ResultCollector;
import io.gridlet.core.testing.Generated;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class MeasurementGeneratorTest {
    private static final GeneratorConfig SMALL = GeneratorConfig.builder().seed(5)
            .layout(2, 2, 3)
            .span(1.5, 60)
            .gaps(0.02, 0.5, 40)
            .badLines(0.0, 0.01)
            .build();

    @Test
    void sameSeedSameLinesOtherSeedOtherLines() {
        assertThat(Generated.lines(SMALL)).isEqualTo(Generated.lines(SMALL));
        assertThat(Generated.lines(SMALL.withSeed(6))).isNotEqualTo(Generated.lines(SMALL));
    }

    @Test
    void linesAreInTimestampOrderWithEveryPlugAndBothProperties() {
        List<String> lines = Generated.lines(SMALL);
        long previous = 0;
        Set<String> plugs = new HashSet<>();
        Set<String> properties = new HashSet<>();
        for (String line : lines) {
            String[] f = line.split(",");
            assertThat(f).hasSize(7);
            long ts = Long.parseLong(f[1]);
            assertThat(ts).isGreaterThanOrEqualTo(previous);
            previous = ts;
            plugs.add(f[6] + "/" + f[5] + "/" + f[4]);
            properties.add(f[3]);
        }
        assertThat(plugs).hasSize(SMALL.plugCount());
        assertThat(properties).containsExactlyInAnyOrder("0", "1");
        // readings go missing: fewer lines than one load + one work per plug per interval
        assertThat((long) lines.size()).isLessThan(SMALL.maxLines()).isGreaterThan(SMALL.maxLines() / 2);
    }

    @Test
    void leavesAGapWithNoReadingsAtAll() {
        List<String> lines = Generated.lines(SMALL);
        long maxGap = 0, previous = -1;
        for (String line : lines) {
            long ts = Long.parseLong(line.split(",")[1]);
            if (previous >= 0) maxGap = Math.max(maxGap, ts - previous);
            previous = ts;
        }
        assertThat(maxGap).isGreaterThanOrEqualTo(40 * 60);
    }

    @Test
    void badLinesAreRejectedAndLeaveTheResultsUnchanged() throws IOException {
        GeneratorConfig dirty = SMALL.withMalformedRate(0.05);
        ResultCollector clean = new ResultCollector(), withBad = new ResultCollector();
        Replay cleanRun = new Replay(QueryConfig.DEFAULT, 0);
        cleanRun.run(Generated.bytes(Generated.lines(SMALL)), clean);
        Replay dirtyRun = new Replay(QueryConfig.DEFAULT, 0);
        dirtyRun.run(Generated.bytes(Generated.lines(dirty)), withBad);

        assertThat(cleanRun.rejections().total()).isZero();
        assertThat(dirtyRun.rejections().counts()).hasSize(5); // every kind but line-too-long
        assertThat(withBad.lines()).isEqualTo(clean.lines());
    }

    @Test
    void generatedInputStreamsTheSameBytesAsTheLines() throws IOException {
        byte[] expected = Generated.bytes(Generated.lines(SMALL)).readAllBytes();
        try (InputStream in = new GeneratedInput(new MeasurementGenerator(SMALL))) {
            byte[] actual = in.readNBytes(expected.length + 10);
            assertThat(actual).isEqualTo(expected);
        }
    }
}
