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
            for (Path part : parts.filter(Files::isRegularFile).filter(p -> !p.getParent().equals(sealed)).toList()) {
                for (String line : Files.readAllLines(part)) {
                    assertThat(line).matches("[A-Za-z0-9+/=]+"); // base64 of a sealed line: no CSV in sight
                }
            }
        }
        var headers = ResultLines.headers(QueryConfig.DEFAULT);
        LongAdder skipped = new LongAdder();
        String run = io.gridlet.flink.sink.ResultMerge.runOf(sealed);
        assertThat(run).hasSize(32);
        assertThat(io.gridlet.flink.sink.ResultParts.verify(sealed, TrustedKeys.results(ring), run)).isEmpty();
        var opener = io.gridlet.flink.sink.ResultParts.opener(TrustedKeys.results(ring), run, skipped);
        // a line moved from one output file to another is refused
        Path onePart;
        try (var parts = Files.list(sealed.resolve("q1-plug-60.csv"))) {
            onePart = parts.findFirst().orElseThrow();
        }
        String moved = Files.readAllLines(onePart).get(0);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> opener.apply("q1-plug-300.csv", moved))
                .isInstanceOf(io.gridlet.enclave.sealing.SealException.class);
        assertTamperingIsReported(sealed, TrustedKeys.results(ring), run);
        io.gridlet.flink.sink.ResultMerge.merge(sealed, out, headers, opener);
        assertThat(skipped.sum()).isZero(); // the owner's keys open every house's results
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> io.gridlet.flink.sink.ResultParts.opener(
                TrustedKeys.results(ring), "another-run", skipped).apply("q1-plug-60.csv", moved))
                .isInstanceOf(io.gridlet.enclave.sealing.SealException.class);
    }


    /**
     * Each way of changing sealed parts after the run, on a copy: a line dropped, repeated or moved within its part,
     * a part cut short (its end gone), a part copied, a part from another run: each is reported by verify.
     */
    static void assertTamperingIsReported(Path sealed, io.gridlet.enclave.keys.ResultKeys keys, String run)
            throws Exception {
        Path part;
        try (var parts = Files.list(sealed.resolve("q1-plug-60.csv"))) {
            part = parts.filter(p -> {
                try {
                    return Files.readAllLines(p).size() >= 4;
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).findFirst().orElseThrow();
        }
        java.util.List<String> lines = Files.readAllLines(part);
        java.util.Map<String, java.util.function.UnaryOperator<java.util.List<String>>> changes =
                new java.util.LinkedHashMap<>();
        changes.put("dropped", l -> { var c = new java.util.ArrayList<>(l); c.remove(1); return c; });
        changes.put("repeated or out of order", l -> { var c = new java.util.ArrayList<>(l); c.add(2, l.get(1));
            return c; });
        changes.put("out of order", l -> { var c = new java.util.ArrayList<>(l); c.set(1, l.get(2));
            c.set(2, l.get(1)); return c; });
        changes.put("no end", l -> l.subList(0, l.size() - 1));
        for (var change : changes.entrySet()) {
            Path copy = Files.createTempDirectory("tampered");
            copyTree(sealed, copy);
            Files.write(copy.resolve(sealed.relativize(part)), change.getValue().apply(lines));
            assertThat(String.join("\n", io.gridlet.flink.sink.ResultParts.verify(copy, keys, run)))
                    .as(change.getKey()).contains(change.getKey().startsWith("out") ? "out of order"
                            : change.getKey());
        }
        Path copied = Files.createTempDirectory("tampered");
        copyTree(sealed, copied);
        Files.copy(part, copied.resolve(sealed.relativize(part)).resolveSibling("part-copy.txt"));
        assertThat(io.gridlet.flink.sink.ResultParts.verify(copied, keys, run)).anyMatch(p -> p.contains("a copy"));
        assertThat(io.gridlet.flink.sink.ResultParts.verify(sealed, keys, "another-run"))
                .anyMatch(p -> p.contains("does not open"));
    }

    private static void copyTree(Path from, Path to) throws java.io.IOException {
        try (var all = Files.walk(from)) {
            for (Path p : all.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(target);
                else Files.copy(p, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }
}
