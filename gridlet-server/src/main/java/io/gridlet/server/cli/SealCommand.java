package io.gridlet.server.cli;

import io.gridlet.core.csv.MeasurementReader;
import io.gridlet.core.csv.RejectReason;
import io.gridlet.core.csv.Rejections;
import io.gridlet.core.model.Measurement;
import io.gridlet.enclave.keys.MeterKeyFile;
import io.gridlet.enclave.sealing.MeterSealer;
import io.gridlet.enclave.sealing.SealedReadingFile;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;

/** {@code gridlet seal}: one's own CSV file, sealed to the trusted boundary with a meter's keys. */
@Command(name = "seal", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Seals a DEBS'14 CSV file (.gz too; - for standard input) with a meter's keys (gridlet keys "
                + "meter NAME), for gridlet run --sealed: each reading sealed to the trusted boundary, which alone "
                + "opens it. Lines that do not parse are left out and reported as gridlet run reports them (counts "
                + "by reason, examples, and all of them in OUTPUT.rejections.txt); a reading of a house the meter "
                + "may not report for is refused as not-owned. The file rule for late lines is the job's: sealing "
                + "keeps the file's order."})
final class SealCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "The CSV file to seal.")
    String file;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUTPUT",
            description = "Where to write the sealed readings (written whole or not at all).")
    Path output;

    @Option(names = "--keys", required = true, paramLabel = "FILE",
            description = "The meter's keys (gridlet keys meter NAME); never the owner's key directory.")
    Path keys;

    @Option(names = {"-q", "--quiet"}, description = "No progress display.")
    boolean quiet;

    @Override
    public Integer call() throws IOException {
        PrintWriter err = spec.commandLine().getErr();
        MeterSealer sealer;
        try {
            sealer = MeterKeyFile.read(keys).sealer();
        } catch (IOException | IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        InputSource input = InputSource.file(file, System.in);
        Rejections rejections = new Rejections();
        long started = System.nanoTime();
        AtomicLong sealedCount = new AtomicLong();
        Path partial = output.resolveSibling(output.getFileName() + ".partial");
        try (MeasurementReader reader = new MeasurementReader(input.stream(), rejections);
             SealedReadingFile.Writer out = new SealedReadingFile.Writer(Files.newOutputStream(partial), sealer);
             ProgressDisplay progress = new ProgressDisplay(System.err, !quiet, () -> {
                 double done = input.fractionDone(sealedCount.get());
                 return "gridlet seal: " + Figures.count(sealedCount.get()) + " readings sealed"
                         + (done < 0 ? "" : String.format(Locale.ROOT, ", %.0f %%", 100 * done));
             })) {
            for (Measurement m = reader.next(); m != null; m = reader.next()) {
                try {
                    out.add(m);
                } catch (IllegalArgumentException notOwned) {
                    rejections.reject(reader.lineNumber(), RejectReason.NOT_OWNED, notOwned.getMessage(),
                            "house " + m.houseId());
                    continue;
                }
                sealedCount.incrementAndGet();
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(partial);
            if (e instanceof UserError u) throw u;
            throw new UserError("cannot seal " + file + ": " + e.getMessage());
        }
        Files.move(partial, output, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        long nanos = System.nanoTime() - started;
        Path details = output.resolveSibling(output.getFileName() + ".rejections.txt");
        Files.deleteIfExists(details); // an earlier run's, never mixed with this one's
        if (rejections.total() > 0) {
            try (Writer w = new BufferedWriter(Files.newBufferedWriter(details, StandardCharsets.UTF_8))) {
                rejections.writeTo(w);
            }
        }
        err.printf("gridlet seal: %s readings of %s sealed as %s (epoch %d) in %s (%s) to %s%n",
                Figures.count(sealedCount.get()), input.description(), sealer.identity().name(), sealer.epoch(),
                Figures.seconds(nanos), Figures.rate(sealedCount.get(), nanos), output);
        RunReport.printRejections(err, rejections, details);
        err.flush();
        return 0;
    }
}
