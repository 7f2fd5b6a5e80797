package io.gridlet.server.cli;

import io.gridlet.adaptlets.builtin.Identities;
import io.gridlet.client.ClientIdentity;
import io.gridlet.client.LiveClient;
import io.gridlet.client.LivePolicies;
import io.gridlet.client.Meter;
import io.gridlet.client.MeterFleet;
import io.gridlet.core.csv.MeasurementReader;
import io.gridlet.core.model.HouseSet;
import io.gridlet.core.model.Measurement;
import io.gridlet.enclave.keys.KeyDirectory;
import io.gridlet.enclave.keys.MeterKeyFile;
import io.grpc.StatusRuntimeException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;

/** {@code gridlet meter}: a fleet of simulated meters streaming a file or generated data to {@code gridlet serve}. */
@Command(name = "meter", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
                "Simulates a fleet of meters streaming readings to gridlet serve: house h is metered by "
                        + "meter-(h mod N); each meter numbers its readings, keeps them until acknowledged, "
                        + "reconnects with backoff when its stream breaks and resumes where the gateway says.",
                "Reads a DEBS'14 CSV file (bad lines are skipped and counted here), or generated data when no FILE "
                        + "is given."})
final class MeterCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(arity = "0..1", paramLabel = "FILE",
            description = "DEBS'14 CSV input (.csv or .csv.gz). Without it: generated data.")
    String file;

    @Option(names = "--target", defaultValue = "127.0.0.1:7070",
            description = "The gateway, host:port (default: ${DEFAULT-VALUE}).")
    String target;

    @CommandLine.Mixin
    ClientTlsOptions tls = new ClientTlsOptions();

    @Option(names = "--meters", defaultValue = "10", description = "Meters in the fleet (default: ${DEFAULT-VALUE}).")
    int meters;

    @Option(names = "--speedup", defaultValue = "300",
            description = "Data seconds sent per real second: 1 is live, 300 sends 5 minutes of readings a second; "
                    + "0: no pacing by data time (default: ${DEFAULT-VALUE}). The gateway sees readings d s apart as "
                    + "d x speedup s of data time: gridlet serve's --max-lateness must cover that.")
    double speedup;

    @Option(names = "--rate", defaultValue = "0",
            description = "Readings per second at most, the whole fleet (default: ${DEFAULT-VALUE}: no limit; with "
                    + "--speedup 0 as fast as the gateway acknowledges).")
    long rate;

    @Option(names = "--identities", paramLabel = "FILE", defaultValue = "gridlet-live/identities",
            description = "The meters' secrets (the file gridlet serve made) (default: ${DEFAULT-VALUE}).")
    Path identities;

    @Option(names = "--policy", paramLabel = "FILE",
            description = "The meters' QoS policy (default: the bundled " + LivePolicies.CLIENT + ").")
    Path policy;

    @Option(names = "--batch", defaultValue = "500",
            description = "Readings per batch at most (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--linger-ms", defaultValue = "20",
            description = "A meter sends what it has once its last batch is this old (default: ${DEFAULT-VALUE}).")
    long lingerMs;

    @Option(names = "--max-unacknowledged", defaultValue = "5000",
            description = "Readings a meter keeps unacknowledged before the fleet waits for it "
                    + "(default: ${DEFAULT-VALUE}).")
    int maxUnacknowledged;

    @Option(names = "--sealed",
            description = "Seal every reading to the trusted boundary with its meter's keys (--keys) before "
                    + "sending it (for gridlet serve --sealed).")
    boolean sealed;

    @Option(names = "--keys", paramLabel = "PATH", defaultValue = "gridlet-meter-keys",
            description = "The meters' keys, with --sealed: a directory of NAME.keys files (gridlet keys meters "
                    + "--count N), or one meter's file (gridlet keys meter NAME) with --meters 1; never the "
                    + "owner's key directory (default: ${DEFAULT-VALUE}).")
    Path keys;

    @Option(names = "--end-of-data",
            description = "When every reading is acknowledged, tell the service there is no more data (as --operator): "
                    + "the job finishes and writes its result files.")
    boolean endOfData;

    @Option(names = "--operator", defaultValue = ClientIdentity.OPERATOR,
            description = "The identity that ends the data (default: ${DEFAULT-VALUE}).")
    String operator;

    @CommandLine.ArgGroup(validate = false, heading = "%nGenerated data (when no FILE is given):%n")
    GeneratorOptions generator = new GeneratorOptions();

    @Option(names = {"-q", "--quiet"}, description = "No progress display.")
    boolean quiet;

    /**
     * Each meter's keys, checked against what the fleet will send: meter {@code i} sends the houses its identity
     * owns ({@code houses=}), or {@code h mod n}.
     */
    private Map<String, MeterKeyFile> meterKeys(Identities ids) throws IOException {
        Map<String, MeterKeyFile> files = new HashMap<>();
        for (int i = 0; i < meters; i++) {
            String name = MeterFleet.meterName(i);
            if (KeyDirectory.isOwnerDirectory(keys)) {
                throw new IOException(keys + " is the owner's key directory, which stays with the owner: give the "
                        + "meters' keys (gridlet keys meters --count " + meters + ")");
            }
            Path file = Files.isDirectory(keys) ? keys.resolve(name + ".keys") : keys;
            if (!Files.isDirectory(keys) && meters > 1) {
                throw new IOException(keys + " is one meter's keys; " + meters + " meters need a directory of "
                        + "them (gridlet keys meters --count " + meters + ")");
            }
            MeterKeyFile f = MeterKeyFile.read(file);
            if (!f.identity().name().equals(name)) {
                throw new IOException(file + " holds the keys of " + f.identity().name() + ", not " + name);
            }
            String attribute = ids.attribute(name, "houses");
            HouseSet sends = HouseSet.parse(attribute != null ? attribute : i + "%" + meters);
            if (!f.identity().houses().equals(HouseSet.ALL) && !f.identity().houses().equals(sends)) {
                throw new IOException(file + ": " + name + "'s keys are for houses " + f.identity().houses()
                        + ", but it sends houses " + sends + " (make its keys with --houses " + sends + ")");
            }
            files.put(name, f);
        }
        return files;
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (meters < 1) throw new UserError("--meters must be >= 1");
        if (rate < 0) throw new UserError("--rate must be >= 0");
        if (speedup < 0) throw new UserError("--speedup must be >= 0");
        Identities ids;
        String policyText;
        Meter.Settings settings;
        try {
            ids = Identities.read(InputSource.readableFile(identities.toString()));
            policyText = InputSource.policyOrBundled(policy, LivePolicies.CLIENT);
            settings = new Meter.Settings(target, policyText, batch, maxUnacknowledged, lingerMs)
                    .withTransport(tls.transport(policyText));
            if (sealed) {
                Map<String, MeterKeyFile> files = meterKeys(ids);
                settings = settings.sealing(name -> files.get(name).sealer());
            }
        } catch (IllegalArgumentException | IOException e) {
            throw new UserError(e.getMessage());
        }
        for (int i = 0; i < meters; i++) {
            if (ids.secret(MeterFleet.meterName(i)) == null) {
                throw new UserError(identities + " has no secret for " + MeterFleet.meterName(i)
                        + " (--meters " + meters + "); start gridlet serve with --meters " + meters + " or more");
            }
        }
        InputSource input = file == null
                ? InputSource.generated(generator.toConfig(spec.commandLine().getParseResult()))
                : InputSource.file(file, System.in);
        AtomicLong skipped = new AtomicLong();
        long started = System.nanoTime();
        err.println("gridlet meter: " + meters + " meters -> " + target + ", " + input.description()
                + (speedup > 0 ? ", " + speedup + "x data time" : "")
                + (rate > 0 ? ", at most " + rate + " readings/s" : speedup > 0 ? "" : ", as fast as acknowledged"));
        err.flush();
        try (MeasurementReader reader = new MeasurementReader(input.stream(), (line, reason, message, text) ->
                skipped.incrementAndGet());
             MeterFleet fleet = new MeterFleet(meters, ids, settings, rate, speedup, event -> {
                 err.println("gridlet meter: " + event);
                 err.flush();
             });
             ProgressDisplay progress = new ProgressDisplay(System.err, !quiet, () -> {
                 Meter.Counts c = fleetCounts(fleetHolder);
                 long elapsed = System.nanoTime() - started;
                 return c == null ? "connecting ..." : "sent " + Figures.count(c.offered()) + " readings ("
                         + Figures.rate(c.offered(), elapsed) + "), acknowledged " + Figures.count(c.acknowledged())
                         + ", refused " + Figures.count(c.rejected()) + ", reconnects " + c.reconnects();
             })) {
            fleetHolder = fleet;
            fleet.feed(readings(reader));
            fleet.finish(Long.MAX_VALUE / 4);
            Meter.Counts c = fleet.counts();
            long elapsed = System.nanoTime() - started;
            progress.close();
            out.printf("sent      %s readings from %d meters in %s (%s)%n", Figures.count(c.offered()), meters,
                    Figures.seconds(elapsed), Figures.rate(c.offered(), elapsed));
            out.printf("acked     %s; refused by the gateway %s; reconnects %d%n", Figures.count(c.acknowledged()),
                    Figures.count(c.rejected()), c.reconnects());
            out.printf("disorder  readings were sent up to %d s of data time after later ones: gridlet serve needs "
                    + "--max-lateness %d or more to put them in order%n", fleet.disorderSeconds(),
                    fleet.disorderSeconds());
            if (skipped.get() > 0) out.printf("skipped   %s bad input lines%n", Figures.count(skipped.get()));
            if (fleet.unsendable() > 0) {
                out.printf("not sent  %s readings of houses no meter's keys are for (gridlet keys meters --count "
                        + "with as many meters as gridlet serve --meters)%n", Figures.count(fleet.unsendable()));
            }
        }
        if (endOfData) {
            byte[] secret = ids.secret(operator);
            if (secret == null) throw new UserError(identities + " has no secret for the operator " + operator);
            try (LiveClient client = LiveClient.open(target, settings.transport(), policyText,
                    new ClientIdentity(operator, secret))) {
                client.endOfData();
                out.println("ended     the data: the service's job finishes and writes its result files");
            } catch (StatusRuntimeException e) {
                throw new UserError("the gateway refused the end of data: " + e.getStatus());
            }
        }
        return 0;
    }

    private volatile MeterFleet fleetHolder;

    private static Meter.Counts fleetCounts(MeterFleet fleet) {
        return fleet == null ? null : fleet.counts();
    }

    private static Iterator<Measurement> readings(MeasurementReader reader) {
        return new Iterator<>() {
            private Measurement next = read();

            private Measurement read() {
                try {
                    return reader.next();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }

            @Override
            public boolean hasNext() {
                return next != null;
            }

            @Override
            public Measurement next() {
                if (next == null) throw new NoSuchElementException();
                Measurement m = next;
                next = read();
                return m;
            }
        };
    }
}
