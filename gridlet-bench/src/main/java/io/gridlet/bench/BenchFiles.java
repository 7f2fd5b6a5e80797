package io.gridlet.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** The benchmarks' scratch directories: they go when the benchmark is done. */
final class BenchFiles {
    private BenchFiles() {
    }

    /** Deletes {@code dir} and everything in it (nothing if it does not exist). */
    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** Deletes {@code dir} when the JVM exits (a benchmark that ends with System.exit, or is interrupted). */
    static void deleteOnExit(Path dir) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                deleteTree(dir);
            } catch (IOException | RuntimeException e) {
                System.err.println("bench: could not delete " + dir + ": " + e);
            }
        }, "delete-" + dir.getFileName()));
    }
}
