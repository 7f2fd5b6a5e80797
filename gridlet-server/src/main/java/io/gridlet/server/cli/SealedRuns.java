package io.gridlet.server.cli;

import io.gridlet.enclave.attestation.KeyReleaseException;
import io.gridlet.enclave.keys.AnalystKeyFile;
import io.gridlet.enclave.keys.KeyDirectory;
import io.gridlet.enclave.keys.ResultKeys;
import io.gridlet.flink.GridletJob;
import io.gridlet.flink.operators.Boundary;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/** What {@code run --sealed} and {@code serve --sealed} share: the keys released, the boundary they run in. */
final class SealedRuns {
    private SealedRuns() {
    }

    /**
     * Releases the owner's keys in {@code keys} through the broker to a software runtime measuring the job's
     * operator code, and returns the sealed boundary using them, with {@code trustedMemoryMib} of trusted memory
     * per Q2 instance, spilling under {@code spillRoot}. Refusals are {@link UserError}s.
     */
    static Boundary release(Path keys, String command, long trustedMemoryMib, Path spillRoot, PrintWriter err) {
        if (trustedMemoryMib < 1) throw new UserError("--trusted-memory must be >= 1 MiB");
        String name = command + "-" + ProcessHandle.current().pid();
        try {
            KeyDirectory.load(keys).release(name, GridletJob.OPERATOR_CODE);
        } catch (IOException e) {
            throw new UserError(e.getMessage());
        } catch (KeyReleaseException e) {
            throw new UserError("no keys released: " + e.getMessage() + " (after an upgrade the owner allows the "
                    + "new code: gridlet keys --dir " + keys + " --allow-current)");
        }
        err.println("gridlet " + command + ": keys released to the software runtime (no hardware isolation: see "
                + "docs/privacy.md)");
        return Boundary.sealed(name, name).memoryBudget(trustedMemoryMib << 20, spillRoot);
    }

    /**
     * The keys that open sealed results, from {@code --keys}: the owner's directory opens every house's results, an
     * analyst's file (gridlet keys analyst) those of its houses.
     */
    static ResultKeys resultKeys(Path keys) throws IOException {
        return Files.isDirectory(keys) ? KeyDirectory.load(keys).results() : AnalystKeyFile.read(keys);
    }
}
