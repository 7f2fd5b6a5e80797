package io.gridlet.core.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;

/**
 * The worked examples of the query definition (docs/queries.md), with their expected outputs, in the test
 * resources (gzipped where large).
 */
public final class SpecExamples {
    public static final List<String> OUTPUT_FILES = List.of(
            "q1-house-300.csv", "q1-house-3600.csv", "q1-house-60.csv", "q1-house-7200.csv", "q1-house-900.csv",
            "q1-plug-300.csv", "q1-plug-3600.csv", "q1-plug-60.csv", "q1-plug-7200.csv", "q1-plug-900.csv",
            "q2-3600.csv", "q2-86400.csv");

    private SpecExamples() {
    }

    public static InputStream input(String example) {
        return open(example + "/input.csv");
    }

    /** Expected lines by file name, header lines removed. */
    public static Map<String, List<String>> expected(String example) {
        Map<String, List<String>> result = new TreeMap<>();
        for (String file : OUTPUT_FILES) {
            List<String> lines = lines(example + "/expected/" + file);
            List<String> body = lines.subList(1, lines.size());
            if (!body.isEmpty()) result.put(file, List.copyOf(body));
        }
        return result;
    }

    /** {@code rejections.txt}: reason label → count. */
    public static Map<String, Long> expectedRejections(String example) {
        Map<String, Long> result = new TreeMap<>();
        for (String line : lines(example + "/expected/rejections.txt")) {
            if (line.isBlank()) continue;
            String[] parts = line.trim().split(" ");
            result.put(parts[0], Long.parseLong(parts[1]));
        }
        return result;
    }

    private static List<String> lines(String path) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(open(path), StandardCharsets.UTF_8))) {
            List<String> lines = new ArrayList<>();
            for (String line; (line = r.readLine()) != null; ) lines.add(line);
            return lines;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static InputStream open(String path) {
        String base = "/spec-examples/" + path;
        InputStream plain = SpecExamples.class.getResourceAsStream(base);
        if (plain != null) return plain;
        InputStream gz = SpecExamples.class.getResourceAsStream(base + ".gz");
        if (gz == null) throw new IllegalArgumentException("no test resource " + base);
        try {
            return new GZIPInputStream(gz, 1 << 16);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
