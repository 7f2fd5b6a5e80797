package io.gridlet.server.cli;

import io.gridlet.adaptlets.AdaptletServer;
import io.gridlet.adaptlets.ClientSession;
import io.gridlet.adaptlets.builtin.Authorization;
import io.gridlet.adaptlets.builtin.MutualTlsAuth;
import io.gridlet.client.Transport;
import io.gridlet.core.engine.QueryEngine;
import io.gridlet.enclave.attestation.KeyReleaseException;
import io.gridlet.enclave.keys.AnalystKeyFile;
import io.gridlet.enclave.keys.KeyDirectory;
import io.gridlet.enclave.keys.ResultKeys;
import io.gridlet.enclave.keys.TrustedKeys;
import io.gridlet.enclave.sealing.SealedBlock;
import io.gridlet.flink.GridletJob;
import io.gridlet.flink.operators.Boundary;
import io.gridlet.log.IngestLog;
import io.gridlet.policy.Policy;
import io.gridlet.server.keys.KeyBrokerService;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.util.List;

/** What {@code run --sealed} and {@code serve --sealed} share: the keys released, the boundary they run in. */
final class SealedRuns {
    /**
     * Every module of the code in the process that handles keys or readings and results in the clear, by one class
     * each: the job's, the core's and the enclave's (the boundary), and the service's, the client's, the log's, the
     * adaptlets' and the policies' (which fetch keys, hold result lines before they are sealed, or run beside them).
     * What the runtime's measurement covers ({@code CodeMeasurement.ofModules}) and the allowlist names.
     */
    static final List<Class<?>> MEASURED_CODE = List.of(GridletJob.class, QueryEngine.class,
            SealedBlock.class, SealedRuns.class, Transport.class, IngestLog.class, AdaptletServer.class,
            Policy.class);

    private SealedRuns() {
    }

    /**
     * Releases the owner's keys in {@code keys} through the broker to a software runtime measuring the job's
     * operator code, and returns the sealed boundary using them, with {@code trustedMemoryMib} of trusted memory
     * per Q2 instance, spilling under {@code spillRoot}. Refusals are {@link UserError}s.
     */
    static Boundary release(Path keys, String command, long trustedMemoryMib, Path spillRoot, PrintWriter err) {
        return release(keys, new BrokerOptions(), command, trustedMemoryMib, spillRoot, err);
    }

    /** As above, the keys fetched from a key broker over mutual TLS when {@code broker} names one. */
    static Boundary release(Path keys, BrokerOptions broker, String command, long trustedMemoryMib, Path spillRoot,
                            PrintWriter err) {
        if (trustedMemoryMib < 1) throw new UserError("--trusted-memory must be >= 1 MiB");
        broker.check();
        String name = command + "-" + ProcessHandle.current().pid();
        if (broker.isSet()) {
            fetch(broker, name);
            err.println("gridlet " + command + ": keys released by the broker at " + broker.target + " to the "
                    + "software runtime (no hardware isolation: see docs/privacy.md)");
        } else {
            try {
                KeyDirectory.load(keys).release(name, MEASURED_CODE);
            } catch (IOException e) {
                throw new UserError(e.getMessage());
            } catch (KeyReleaseException e) {
                throw new UserError("no keys released: " + e.getMessage() + " (after an upgrade the owner allows "
                        + "the new code: gridlet keys --dir " + keys + " --allow-current)");
            }
            err.println("gridlet " + command + ": keys released to the software runtime (no hardware isolation: "
                    + "see docs/privacy.md)");
        }
        return Boundary.sealed(name, name).memoryBudget(trustedMemoryMib << 20, spillRoot);
    }

    /** Attests to the broker over mutual TLS and registers what it releases under {@code name}. */
    private static void fetch(BrokerOptions broker, String name) {
        PrivateKey signing;
        Transport transport;
        try {
            signing = KeyDirectory.readRuntimeKey(broker.runtimeKey);
            transport = Transport.mutualTls(broker.ca, broker.cert, broker.key);
        } catch (IOException | IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        ManagedChannel channel = transport.channel(broker.target);
        try (ClientSession session = ClientSession.open(channel, KeyBrokerService.POLICY,
                List.of(MutualTlsAuth.client(), Authorization.client()))) {
            TrustedKeys.registerAll(name, KeyBrokerService.fetch(session.channel(),
                    KeyDirectory.runtime(MEASURED_CODE, signing)));
        } catch (StatusRuntimeException e) {
            throw new UserError("no keys from the broker at " + broker.target + ": " + e.getStatus().getCode()
                    + (e.getStatus().getDescription() == null ? "" : ": " + e.getStatus().getDescription()));
        } catch (RuntimeException e) { // the session's negotiation refused, or what was released does not open
            throw new UserError("no keys from the broker at " + broker.target + ": " + e.getMessage());
        } finally {
            channel.shutdownNow();
        }
    }

    /**
     * The keys that open sealed results, from {@code --keys}: the owner's directory opens every house's results, an
     * analyst's file (gridlet keys analyst) those of its houses.
     */
    static ResultKeys resultKeys(Path keys) throws IOException {
        return Files.isDirectory(keys) ? KeyDirectory.load(keys).results() : AnalystKeyFile.read(keys);
    }
}
