package io.gridlet.server.cli;

import io.gridlet.core.csv.MeasurementReader;
import io.gridlet.core.csv.Rejections;
import io.gridlet.core.generate.GeneratedInput;
import io.gridlet.core.generate.GeneratorConfig;
import io.gridlet.core.generate.MeasurementGenerator;
import io.gridlet.core.model.HouseSet;
import io.gridlet.enclave.keys.KeyDirectory;
import io.gridlet.enclave.sealing.MeterIdentity;
import io.gridlet.enclave.sealing.MeterSealer;
import io.gridlet.enclave.sealing.SealedReadingFile;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.zip.GZIPOutputStream;

/** {@code gridlet generate}: writes a synthetic DEBS'14-shaped CSV. */
@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Writes synthetic DEBS'14 CSV: houses -> households -> plugs, a load and a work reading per "
                + "plug per interval following daily appliance profiles, with missing readings, outages, one gap "
                + "and optionally bad lines. Deterministic for a seed.")
final class GenerateCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-o", "--output"}, defaultValue = "-",
            description = "File to write ('.gz' compresses; '-' is standard output; default: ${DEFAULT-VALUE}).")
    String output;

    @Option(names = {"-q", "--quiet"}, description = "No progress display.")
    boolean quiet;

    @Option(names = "--sealed",
            description = "Write sealed readings instead of CSV (binary; for gridlet run --sealed): each reading "
                    + "sealed to the trusted boundary (HPKE, AES-GCM) as the owner's meter 'generator', which may "
                    + "report for every house. Bad lines are left out.")
    boolean sealed;

    @Option(names = "--keys", paramLabel = "DIR", defaultValue = "gridlet-keys",
            description = "The data owner's keys, with --sealed (default: ${DEFAULT-VALUE}; gridlet keys makes them).")
    Path keys;

    @ArgGroup(validate = false, heading = "%nGenerated data:%n")
    GeneratorOptions generator = new GeneratorOptions();

    @Override
    public Integer call() throws IOException {
        PrintWriter stderr = spec.commandLine().getErr();
        GeneratorConfig config;
        try {
            config = generator.toConfig(spec.commandLine().getParseResult());
        } catch (IllegalArgumentException e) {
            stderr.println("gridlet generate: " + e.getMessage());
            return 2;
        }
        MeasurementGenerator lines = new MeasurementGenerator(config);
        long started = System.nanoTime();
        if (sealed) return writeSealed(config, stderr, started);
        try (Writer out = open(stderr);
             ProgressDisplay progress = new ProgressDisplay(System.err, !quiet && !output.equals("-"),
                     () -> String.format(Locale.ROOT, "wrote %s lines (%.0f%%)",
                             Figures.count(lines.lines()), 100.0 * lines.lines() / config.maxLines()))) {
            if (out == null) return 2;
            StringBuilder line = new StringBuilder(96);
            while (lines.nextLine(line)) {
                line.append('\n');
                out.append(line);
                line.setLength(0);
            }
        }
        long nanos = System.nanoTime() - started;
        stderr.printf("gridlet generate: %s lines (%d plugs, %s) in %s to %s%n", Figures.count(lines.lines()),
                config.plugCount(), Figures.rate(lines.lines(), nanos), Figures.seconds(nanos), output);
        return 0;
    }

    private int writeSealed(GeneratorConfig config, PrintWriter stderr, long started) throws IOException {
        if (output.equals("-")) {
            stderr.println("gridlet generate: --sealed writes binary: give --output FILE");
            return 2;
        }
        KeyDirectory owner;
        try {
            owner = KeyDirectory.load(keys);
        } catch (IOException e) {
            stderr.println("gridlet generate: " + e.getMessage());
            return 2;
        }
        MeterSealer sealer = owner.meterKeyFile(new MeterIdentity("generator", HouseSet.ALL)).sealer();
        long n = 0;
        try (var reader = new MeasurementReader(new GeneratedInput(
                new MeasurementGenerator(config)), new Rejections());
             var out = new SealedReadingFile.Writer(Files.newOutputStream(Path.of(output)), sealer)) {
            for (var m = reader.next(); m != null; m = reader.next()) {
                out.add(m);
                n++;
            }
        }
        long nanos = System.nanoTime() - started;
        stderr.printf("gridlet generate: %s sealed readings (%d plugs, %s) in %s to %s%n", Figures.count(n),
                config.plugCount(), Figures.rate(n, nanos), Figures.seconds(nanos), output);
        return 0;
    }

    private Writer open(PrintWriter stderr) throws IOException {
        if (output.equals("-")) {
            return new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.US_ASCII), 1 << 16) {
                @Override
                public void close() throws IOException {
                    flush(); // leave System.out open
                }
            };
        }
        Path path = Path.of(output);
        try {
            if (path.getParent() != null) Files.createDirectories(path.getParent());
            OutputStream raw = Files.newOutputStream(path);
            if (output.endsWith(".gz")) raw = new GZIPOutputStream(raw, 1 << 16);
            return new BufferedWriter(new OutputStreamWriter(raw, StandardCharsets.US_ASCII), 1 << 16);
        } catch (IOException e) {
            stderr.println("gridlet generate: cannot write " + output + ": " + e.getMessage());
            return null;
        }
    }
}
