package io.gridlet.flink;

import io.gridlet.core.engine.QueryConfig;
import io.gridlet.core.engine.Replay;
import io.gridlet.core.generate.GeneratedInput;
import io.gridlet.core.generate.GeneratorConfig;
import io.gridlet.core.generate.MeasurementGenerator;
import io.gridlet.core.result.ResultFiles;
import io.gridlet.core.result.ResultLines;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** A generated CSV and the core's output files for it (the expected output of the job tests). */
public record Generated(Path csv, Path expected) {

    /** Writes {@code in.csv} of this shape in {@code dir} and the core's files for it in {@code expected/}. */
    public static Generated in(Path dir, GeneratorConfig shape) throws IOException {
        Path csv = dir.resolve("in.csv");
        try (InputStream in = new GeneratedInput(new MeasurementGenerator(shape))) {
            Files.copy(in, csv);
        }
        Path expected = dir.resolve("expected");
        try (InputStream in = Files.newInputStream(csv); ResultFiles files = new ResultFiles(expected,
                QueryConfig.DEFAULT)) {
            new Replay(QueryConfig.DEFAULT, 0).run(in, files);
        }
        return new Generated(csv, expected);
    }

    /** Every output file in {@code out} equals the core's, line for line. */
    public void assertSameFiles(Path out) throws IOException {
        for (String file : ResultLines.headers(QueryConfig.DEFAULT).keySet()) {
            assertThat(Files.readAllLines(out.resolve(file))).as(file)
                    .isEqualTo(Files.readAllLines(expected.resolve(file)));
        }
    }
}
