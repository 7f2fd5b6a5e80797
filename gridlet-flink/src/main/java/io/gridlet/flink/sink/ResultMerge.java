package io.gridlet.flink.sink;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.function.BiFunction;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * Merges the committed part files of {@link ResultParts} into the spec's output files: a k-way merge on the
 * order key (each part is sorted), so the result is line for line what the single-threaded core writes.
 * Hidden files (Flink's in-progress and pending parts) are never read.
 */
public final class ResultMerge {
    private ResultMerge() {
    }

    /** For each output file name (with its header), merges its parts into {@code outDir}; returns lines per file. */
    public static Map<String, Long> merge(Path partsDir, Path outDir, Map<String, String> headers) throws IOException {
        return merge(partsDir, outDir, headers, (file, line) -> line);
    }

    /**
     * The same over parts whose lines {@code open} turns into keyed lines first (sealed parts: {@code
     * ResultKeys::open}); {@code open} gets the output file's name and the line, and may throw to refuse it or
     * return null to leave it out (a result of a house the reader may not see).
     */
    public static Map<String, Long> merge(Path partsDir, Path outDir, Map<String, String> headers,
                                          BiFunction<String, String, String> open)
            throws IOException {
        Files.createDirectories(outDir);
        Map<String, Long> written = new LinkedHashMap<>();
        for (Map.Entry<String, String> file : headers.entrySet()) {
            String name = file.getKey();
            written.put(name, mergeOne(partsDir.resolve(name), outDir.resolve(name), file.getValue(),
                    line -> open.apply(name, line)));
        }
        return written;
    }

    /**
     * Moves the committed (sealed) part files of every output file from {@code partsDir} to {@code sealedDir},
     * as they are; returns the lines (results) per output file.
     */
    public static Map<String, Long> keepSealed(Path partsDir, Path sealedDir, Map<String, String> headers,
                                               String run) throws IOException {
        if (Files.exists(sealedDir)) { // an earlier run's: replaced, never mixed
            try (Stream<Path> old = Files.walk(sealedDir)) {
                for (Path p : old.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
            }
        }
        Map<String, Long> kept = new LinkedHashMap<>();
        for (String file : headers.keySet()) {
            Path bucket = partsDir.resolve(file);
            Path target = sealedDir.resolve(file);
            Files.createDirectories(target);
            long lines = 0;
            if (Files.isDirectory(bucket)) {
                try (Stream<Path> parts = Files.list(bucket)) {
                    for (Path part : parts.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList()) {
                        try (Stream<String> l = Files.lines(part, StandardCharsets.US_ASCII)) {
                            lines += l.count() - 1; // each part ends with a trailer that counts its lines
                        }
                        Files.move(part, target.resolve(part.getFileName()));
                    }
                }
            }
            kept.put(file, lines);
        }
        Files.writeString(sealedDir.resolve(RUN_FILE), run + "\n", StandardCharsets.US_ASCII);
        return kept;
    }

    /** The file in a sealed results directory that names the run the results belong to (their seals name it). */
    public static final String RUN_FILE = "run";

    /**
     * The run a sealed results directory's lines belong to, as the run wrote it next to them.
     *
     * @throws IOException when it does not say (made before runs had ids, or the file removed)
     */
    public static String runOf(Path sealedDir) throws IOException {
        Path f = sealedDir.resolve(RUN_FILE);
        if (!Files.exists(f)) throw new IOException(sealedDir + " does not name its run (no " + RUN_FILE + " file)");
        String run = Files.readString(f, StandardCharsets.US_ASCII).strip();
        if (run.isEmpty()) throw new IOException(f + " names no run");
        return run;
    }

    private record Head(long[] key, String line, int source) {
    }

    private static final Comparator<Head> ORDER = (a, b) -> {
        for (int i = 0; i < 4; i++) {
            int c = Long.compare(a.key[i], b.key[i]);
            if (c != 0) return c;
        }
        return Integer.compare(a.source, b.source);
    };

    private static long mergeOne(Path bucket, Path target, String header,
                                 UnaryOperator<String> open) throws IOException {
        List<BufferedReader> readers = new ArrayList<>();
        try (BufferedWriter out = Files.newBufferedWriter(target, StandardCharsets.US_ASCII)) {
            out.write(header);
            out.write('\n');
            if (Files.isDirectory(bucket)) {
                try (Stream<Path> parts = Files.list(bucket)) {
                    for (Path part : parts.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList()) {
                        readers.add(Files.newBufferedReader(part, StandardCharsets.US_ASCII));
                    }
                }
            }
            PriorityQueue<Head> heads = new PriorityQueue<>(ORDER);
            for (int i = 0; i < readers.size(); i++) advance(readers, i, heads, open);
            long lines = 0;
            while (!heads.isEmpty()) {
                Head h = heads.poll();
                out.write(h.line);
                out.write('\n');
                lines++;
                advance(readers, h.source, heads, open);
            }
            return lines;
        } finally {
            for (BufferedReader r : readers) r.close();
        }
    }

    private static void advance(List<BufferedReader> readers, int i, PriorityQueue<Head> heads,
                                UnaryOperator<String> open) {
        try {
            String raw;
            do { // a line that opens to null is one this reader may not see (another house's): left out
                String line = readers.get(i).readLine();
                if (line == null) return;
                raw = open.apply(line);
            } while (raw == null);
            long[] key = new long[4];
            int from = 0;
            for (int k = 0; k < 4; k++) {
                int space = raw.indexOf(' ', from);
                key[k] = Long.parseLong(raw, from, space, 10);
                from = space + 1;
            }
            heads.add(new Head(key, raw.substring(from), i));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
