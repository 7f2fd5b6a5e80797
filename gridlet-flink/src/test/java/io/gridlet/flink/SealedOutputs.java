package io.gridlet.flink;

import io.gridlet.core.engine.QueryConfig;
import io.gridlet.core.result.ResultLines;
import io.gridlet.enclave.keys.TrustedKeys;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.LongAdder;

import static org.assertj.core.api.Assertions.assertThat;

/** What the sealed-run tests check of a sealed run's output, and how they open it. */
public final class SealedOutputs {
    private SealedOutputs() {
    }

    /**
     * A sealed run's output: sealed result parts only, no result line in the clear in them; opened with the
     * owner's ring and merged into the spec's files in {@code out}. A line moved to another file does not open.
     */
    public static void assertSealedThenUnseal(Path out, String ring) throws Exception {
        Path sealed = out.resolve(FlinkRun.SEALED_RESULTS);
        assertThat(out.resolve("q1-plug-60.csv")).doesNotExist();
        try (var parts = Files.walk(sealed)) {
            for (Path part : parts.filter(Files::isRegularFile).toList()) {
                for (String line : Files.readAllLines(part)) {
                    assertThat(line).matches("[A-Za-z0-9+/=]+"); // base64 of a sealed line: no CSV in sight
                }
            }
        }
        var headers = ResultLines.headers(QueryConfig.DEFAULT);
        LongAdder skipped = new LongAdder();
        var opener = io.gridlet.flink.sink.ResultParts.opener(TrustedKeys.results(ring), skipped);
        // a line moved from one output file to another is refused
        Path onePart;
        try (var parts = Files.list(sealed.resolve("q1-plug-60.csv"))) {
            onePart = parts.findFirst().orElseThrow();
        }
        String moved = Files.readAllLines(onePart).get(0);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> opener.apply("q1-plug-300.csv", moved))
                .isInstanceOf(io.gridlet.enclave.sealing.SealException.class);
        io.gridlet.flink.sink.ResultMerge.merge(sealed, out, headers, opener);
        assertThat(skipped.sum()).isZero(); // the owner's keys open every house's results
    }

}
