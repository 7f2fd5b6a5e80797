package io.gridlet.server.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/** Where a sealed run gets its keys from when not from the owner's directory: a key broker over mutual TLS. */
final class BrokerOptions {
    @Option(names = "--broker", paramLabel = "HOST:PORT",
            description = "With --sealed: fetch the keys from the owner's key broker (gridlet broker) over mutual TLS, "
                    + "attesting with --runtime-key, instead of releasing them in-process from --keys.")
    String target;

    @Option(names = "--runtime-key", paramLabel = "FILE",
            description = "With --broker: the software runtime's signing key (gridlet keys runtime).")
    Path runtimeKey;

    @Option(names = "--broker-ca", paramLabel = "FILE",
            description = "With --broker: the CA certificates (PEM) that vouch for the broker's certificate.")
    Path ca;

    @Option(names = "--broker-cert", paramLabel = "FILE",
            description = "With --broker: this runtime's client certificate (PEM), its common name one of the "
                    + "broker's --runtime names.")
    Path cert;

    @Option(names = "--broker-key", paramLabel = "FILE",
            description = "With --broker: the private key of --broker-cert (PEM, PKCS#8).")
    Path key;

    boolean isSet() {
        return target != null;
    }

    /** @throws UserError for options missing or given without --broker */
    void check() {
        if (target == null) {
            if (runtimeKey != null || ca != null || cert != null || key != null) {
                throw new UserError("--runtime-key, --broker-ca, --broker-cert and --broker-key go with --broker");
            }
            return;
        }
        if (runtimeKey == null || ca == null || cert == null || key == null) {
            throw new UserError("--broker needs --runtime-key, --broker-ca, --broker-cert and --broker-key");
        }
    }
}
