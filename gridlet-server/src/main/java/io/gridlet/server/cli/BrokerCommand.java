package io.gridlet.server.cli;

import io.gridlet.adaptlets.AdaptletServer;
import io.gridlet.adaptlets.builtin.Authorization;
import io.gridlet.adaptlets.builtin.Identities;
import io.gridlet.adaptlets.builtin.MutualTlsAuth;
import io.gridlet.enclave.keys.KeyDirectory;
import io.gridlet.enclave.sealing.ReadingSuite;
import io.gridlet.server.keys.KeyBrokerService;
import io.gridlet.server.live.ServerTls;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code gridlet broker}: the owner's key broker over mutual TLS, for runtimes on other machines. */
@Command(name = "broker", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Serves the owner's key broker (gRPC gridlet.keys.v1.KeyBroker) over mutual TLS: a runtime that "
                + "presents a certificate of the client CA with one of the --runtime names, and attests to code "
                + "on the owner's allowlist (gridlet keys), gets the keys, sealed to its own key; anything else is "
                + "refused and gets nothing. gridlet run --sealed --broker and gridlet serve --sealed --broker "
                + "fetch their keys from it. Runs until stopped (Ctrl-C)."})
final class BrokerCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--keys", paramLabel = "DIR", defaultValue = "gridlet-keys",
            description = "The owner's keys (default: ${DEFAULT-VALUE}).")
    Path keys;

    @Option(names = "--bind", defaultValue = "127.0.0.1",
            description = "The address to listen on (default: ${DEFAULT-VALUE}).")
    String bind;

    @Option(names = "--port", defaultValue = "7071", description = "The port (default: ${DEFAULT-VALUE}; 0: any).")
    int port;

    @Option(names = "--runtime", paramLabel = "NAME", split = ",", defaultValue = "runtime",
            description = "The client certificates' common names that may ask for keys (default: ${DEFAULT-VALUE}).")
    List<String> runtimes;

    @CommandLine.Mixin
    ServerTlsOptions tls = new ServerTlsOptions();

    @Override
    public Integer call() throws IOException, InterruptedException {
        PrintWriter err = spec.commandLine().getErr();
        if (tls.cert == null || tls.clientCa == null) {
            throw new UserError("the broker serves mutual TLS only: give --tls-cert, --tls-key and --client-ca");
        }
        ServerTls credentials = tls.load(bind);
        KeyDirectory owner;
        try {
            owner = KeyDirectory.load(keys);
        } catch (IOException e) {
            throw new UserError(e.getMessage());
        }
        Identities ids = new Identities();
        for (String name : runtimes) ids.add(name, ReadingSuite.randomBytes(32), 0, "runtime"); // (no secret used)
        CountDownLatch stopped = new CountDownLatch(1);
        try (AdaptletServer server = AdaptletServer.builder(KeyBrokerService.POLICY)
                .address(new InetSocketAddress(bind, port))
                .credentials(credentials.credentials())
                .adaptlet(MutualTlsAuth.server(ids), Authorization.server(
                        Authorization.Rule.of(KeyBrokerService.SERVICE + "/*", "runtime")))
                .service(KeyBrokerService.definition(owner.broker()))
                .start()) {
            Runtime.getRuntime().addShutdownHook(new Thread(stopped::countDown, "gridlet-broker-stop"));
            err.println("gridlet broker: serving the keys of " + keys + " on " + bind + ":" + server.port()
                    + " over " + credentials + " to runtimes " + runtimes + "; allowlist " + owner.allowlist());
            err.println("gridlet broker: software attestation only: whoever holds the runtime key (gridlet keys "
                    + "runtime) and a runtime certificate gets every key, whatever code it runs; the ring and "
                    + "allowlist are read once (restart after gridlet keys rotate or --allow-current)");
            err.flush();
            stopped.await();
        }
        return 0;
    }
}
