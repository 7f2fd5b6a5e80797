package io.gridlet.server.cli;

import io.gridlet.client.MeterFleet;
import io.gridlet.core.model.HouseSet;
import io.gridlet.enclave.attestation.CodeMeasurement;
import io.gridlet.enclave.keys.AnalystKeyFile;
import io.gridlet.enclave.keys.KeyDirectory;
import io.gridlet.enclave.sealing.MeterIdentity;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.Callable;

/** {@code gridlet keys}: the data owner's keys for sealed runs, and each role's keys made from them. */
@Command(name = "keys", mixinStandardHelpOptions = true, sortOptions = false,
        subcommands = {KeysCommand.MeterKeys.class, KeysCommand.FleetKeys.class, KeysCommand.AnalystKeys.class,
                KeysCommand.Rotate.class, KeysCommand.RuntimeKey.class},
        description = {
                "Makes the data owner's keys in --dir when it has none: a key ring for sealed state and results, a "
                        + "routing key for pseudonyms, the keys that open meters' readings (the ingest key pair and "
                        + "the meter master key), the allowlist of operator code the key broker releases keys to "
                        + "(the code of this gridlet), and the software runtime's attestation key pair. Files are "
                        + "owner-only, and stay with the owner and the key broker.",
                "With keys there, shows whether this gridlet's operator code is allowed; --allow-current allows it "
                        + "(after an upgrade).",
                "Meters and analysts get files of their own: gridlet keys meter NAME, gridlet keys meters --count "
                        + "N, gridlet keys analyst NAME --houses LIST."})
final class KeysCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--dir", defaultValue = "gridlet-keys", description = "Where the keys are (default: ${DEFAULT-VALUE}).")
    Path dir;

    @Option(names = "--allow-current", description = "Add this gridlet's operator code to the allowlist.")
    boolean allowCurrent;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        String current = HexFormat.of().formatHex(CodeMeasurement.ofModules(SealedRuns.MEASURED_CODE));
        if (!Files.exists(dir.resolve("data.keys"))) {
            KeyDirectory.create(dir, SealedRuns.MEASURED_CODE);
            out.println("made keys in " + dir + " (owner-only files); allowed operator code " + current);
            return 0;
        }
        KeyDirectory keys = KeyDirectory.load(dir);
        if (allowCurrent) keys.allow(current);
        Set<String> allowed = keys.allowlist();
        out.println("keys in " + dir + ": current data key " + keys.ring().currentId() + "; allowlist " + allowed);
        out.println("this gridlet's operator code " + current + (allowed.contains(current)
                ? " is allowed" : " is NOT allowed (gridlet keys --allow-current allows it)"));
        return 0;
    }

    /** The owner's key directory, as the subcommands that make keys from it name it ({@code --dir}). */
    static final class OwnerDir {
        @Option(names = "--dir", defaultValue = "gridlet-keys",
                description = "The owner's keys (default: ${DEFAULT-VALUE}).")
        Path dir;

        KeyDirectory load() {
            try {
                return KeyDirectory.load(dir);
            } catch (IOException e) {
                throw new UserError(e.getMessage());
            }
        }
    }

    @Command(name = "meter", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Makes one meter's keys from the owner's (--dir): its identity (NAME and --houses) and its "
                    + "key pair, with the boundary's ingest public key. A meter with them seals readings as NAME, "
                    + "for its houses only, and can open nothing: no reading (its own included), no result, no "
                    + "checkpoint. Give the file to the meter (gridlet meter --keys, gridlet seal --keys).")
    static final class MeterKeys implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @CommandLine.Parameters(index = "0", paramLabel = "NAME", description = "The meter's name.")
        String name;

        @Option(names = "--houses", defaultValue = "*", paramLabel = "SET",
                description = "The houses it may report for: *, ids, ranges 10-19, residues 3%%5, comma-separated "
                        + "(default: ${DEFAULT-VALUE}).")
        String houses;

        @CommandLine.Mixin
        OwnerDir owner = new OwnerDir();

        @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Where to write (default: NAME.keys).")
        Path output;

        @Override
        public Integer call() throws IOException {
            MeterIdentity meter;
            try {
                meter = new MeterIdentity(name, HouseSet.parse(houses));
            } catch (IllegalArgumentException e) {
                throw new UserError(e.getMessage());
            }
            Path to = output != null ? output : Path.of(name + ".keys");
            owner.load().meterKeyFile(meter).write(to);
            spec.commandLine().getOut().println("wrote " + to + ": " + meter
                    + " (seals readings to the boundary; opens nothing)");
            return 0;
        }
    }

    @Command(name = "meters", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Makes the keys of a fleet of meters as gridlet meter runs it: meter-0 .. meter-(N-1), "
                    + "meter-i for the houses h with h mod N = i (as gridlet serve's identities file says), one "
                    + "file each in --output.")
    static final class FleetKeys implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--count", required = true, paramLabel = "N", description = "How many meters.")
        int count;

        @CommandLine.Mixin
        OwnerDir owner = new OwnerDir();

        @Option(names = {"-o", "--output"}, defaultValue = "gridlet-meter-keys", paramLabel = "DIR",
                description = "Where to write the meters' files (default: ${DEFAULT-VALUE}).")
        Path output;

        @Override
        public Integer call() throws IOException {
            if (count < 1 || count > 100_000) throw new UserError("--count must be 1..100000");
            KeyDirectory keys = owner.load();
            PrintWriter out = spec.commandLine().getOut();
            for (int i = 0; i < count; i++) {
                MeterIdentity meter = new MeterIdentity(MeterFleet.meterName(i), HouseSet.parse(i + "%" + count));
                keys.meterKeyFile(meter).write(output.resolve(meter.name() + ".keys"));
            }
            out.println("wrote " + count + " meters' keys to " + output + " (each seals readings as its meter, for "
                    + "its houses; none opens anything)");
            return 0;
        }
    }

    @Command(name = "analyst", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Makes an analyst's keys from the owner's (--dir): the result keys of the houses it may "
                    + "read. With them, gridlet results --keys and gridlet unseal --keys open those houses' results "
                    + "and leave the others out; they open no reading, no state and no other house's result.")
    static final class AnalystKeys implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @CommandLine.Parameters(index = "0", paramLabel = "NAME", description = "The analyst's name.")
        String name;

        @Option(names = "--houses", required = true, paramLabel = "LIST",
                description = "The houses it may read: ids and ranges a-b, comma-separated (at most 100,000).")
        String houses;

        @CommandLine.Mixin
        OwnerDir owner = new OwnerDir();

        @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Where to write (default: NAME.keys).")
        Path output;

        @Override
        public Integer call() throws IOException {
            AnalystKeyFile file;
            try {
                file = owner.load().analystKeyFile(name, HouseSet.parse(houses).members(AnalystKeyFile.MAX_HOUSES));
            } catch (IllegalArgumentException e) {
                throw new UserError(e.getMessage());
            }
            Path to = output != null ? output : Path.of(name + ".keys");
            file.write(to);
            spec.commandLine().getOut().println("wrote " + to + ": analyst " + name + ", the results of "
                    + file.houses().size() + " houses (opens nothing else)");
            return 0;
        }
    }

    @Command(name = "rotate", mixinStandardHelpOptions = true,
            description = "Makes a new current data key in the owner's key ring (--dir): state, checkpoints and "
                    + "spill are sealed under it from the next run on; the older keys stay, so what they sealed "
                    + "still opens (a run resumed from an older checkpoint too).")
    static final class Rotate implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @CommandLine.Mixin
        OwnerDir owner = new OwnerDir();

        @Override
        public Integer call() throws IOException {
            int id;
            try {
                id = owner.load().rotate();
            } catch (IllegalArgumentException e) { // the ring is full (ids 1..249)
                throw new UserError(e.getMessage());
            }
            spec.commandLine().getOut().println("data key " + id + " is current in " + owner.dir + "; keys "
                    + owner.load().ring().material().keySet() + " kept for opening");
            return 0;
        }
    }

    @Command(name = "runtime", mixinStandardHelpOptions = true,
            description = "Writes the software runtime's signing key for the platform that runs the job on another "
                    + "machine (gridlet run/serve --sealed --broker --runtime-key FILE). It lets the platform attest "
                    + "to any code: the allowlist is what keeps keys from code the owner did not allow.")
    static final class RuntimeKey implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @CommandLine.Mixin
        OwnerDir owner = new OwnerDir();

        @Option(names = {"-o", "--output"}, defaultValue = "runtime.key", paramLabel = "FILE",
                description = "Where to write (default: ${DEFAULT-VALUE}).")
        Path output;

        @Override
        public Integer call() throws IOException {
            owner.load().writeRuntimeKey(output);
            spec.commandLine().getOut().println("wrote " + output + ": the software runtime's signing key");
            return 0;
        }
    }
}
