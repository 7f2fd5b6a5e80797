package io.gridlet.server.cli;

import io.gridlet.enclave.attestation.CodeMeasurement;
import io.gridlet.enclave.keys.KeyDirectory;
import io.gridlet.flink.GridletJob;
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

/** {@code gridlet keys}: the data owner's keys for sealed runs. */
@Command(name = "keys", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
                "Makes the data owner's keys in --dir when it has none: a key ring for sealing readings, a routing "
                        + "key for pseudonyms, the allowlist of operator code the key broker releases keys to (the "
                        + "code of this gridlet), and the software runtime's attestation key pair. Files are "
                        + "owner-only.",
                "With keys there, shows whether this gridlet's operator code is allowed; --allow-current allows it "
                        + "(after an upgrade)."})
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
        String current = HexFormat.of().formatHex(CodeMeasurement.of(GridletJob.OPERATOR_CODE));
        if (!Files.exists(dir.resolve("data.keys"))) {
            KeyDirectory.create(dir, GridletJob.OPERATOR_CODE);
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
}
