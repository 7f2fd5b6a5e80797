package io.gridlet.server.cli;

import io.gridlet.client.LivePolicies;
import io.gridlet.core.generate.GeneratedInput;
import io.gridlet.core.generate.GeneratorConfig;
import io.gridlet.core.generate.MeasurementGenerator;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/** Where readings come from: a CSV file (plain or .gz), standard input, or the generator; and how far along. */
final class InputSource {
    private final String description;
    private final InputStream stream;
    private final CountingStream counted;
    private final long knownSize;    // bytes of the file, or -1
    private final MeasurementGenerator generator;

    private InputSource(String description, InputStream stream, CountingStream counted, long knownSize,
                        MeasurementGenerator generator) {
        this.description = description;
        this.stream = stream;
        this.counted = counted;
        this.knownSize = knownSize;
        this.generator = generator;
    }

    /** The input file named by the user; a missing, unreadable or directory path is one clear {@link UserError}. */
    static Path readableFile(String name) {
        Path path = Path.of(name);
        if (Files.isDirectory(path)) throw new UserError("cannot read " + name + ": it is a directory");
        if (!Files.exists(path)) throw new UserError("cannot read " + name + ": no such file");
        if (!Files.isReadable(path)) throw new UserError("cannot read " + name + ": permission denied");
        return path;
    }

    /** A policy file's text, or the bundled policy of this name when no file is given. */
    static String policyOrBundled(Path file, String bundled) throws IOException {
        return file == null ? LivePolicies.bundled(bundled)
                : Files.readString(readableFile(file.toString()));
    }

    /** Opens a file; a missing or unreadable file is a {@link UserError} with one clear message. */
    static InputSource file(String name, InputStream stdin) {
        if (name.equals("-")) return new InputSource("standard input", stdin, null, -1, null);
        Path path = readableFile(name);
        try {
            long size = Files.size(path);
            CountingStream counted = new CountingStream(Files.newInputStream(path));
            InputStream in = name.endsWith(".gz")
                    ? new GZIPInputStream(counted, 1 << 16) : new BufferedInputStream(counted, 1 << 16);
            return new InputSource(name, in, counted, size, null);
        } catch (NoSuchFileException e) {
            throw new UserError("cannot read " + name + ": no such file");
        } catch (IOException e) {
            throw new UserError("cannot read " + name + ": " + e.getMessage());
        }
    }

    static InputSource generated(GeneratorConfig config) {
        MeasurementGenerator generator = new MeasurementGenerator(config);
        return new InputSource(describe(config), new GeneratedInput(generator), null, -1, generator);
    }

    /** How generated data is named to the user. */
    static String describe(GeneratorConfig config) {
        return String.format("generated data (seed %d, %d plugs in %d houses, %s days, every %d s)",
                config.seed(), config.plugCount(), config.houses(), trim(config.days()), config.intervalSeconds());
    }

    private static String trim(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }

    String description() {
        return description;
    }

    InputStream stream() {
        return stream;
    }

    /** Fraction done in [0, 1], or -1 if unknown (standard input). */
    /** Bytes of the file, or -1 (generated data, standard input). */
    long size() {
        return knownSize;
    }

    double fractionDone(long linesRead) {
        if (counted != null && knownSize > 0) return Math.min(1.0, counted.count / (double) knownSize);
        if (generator != null) return Math.min(1.0, linesRead / (double) generator.config().maxLines());
        return -1;
    }

    /** Counts the bytes read from the file itself (before decompression), for progress. */
    private static final class CountingStream extends FilterInputStream {
        volatile long count;

        CountingStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) count++;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) count += n;
            return n;
        }
    }
}
