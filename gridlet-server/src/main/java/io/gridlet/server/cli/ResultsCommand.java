package io.gridlet.server.cli;

import io.gridlet.adaptlets.builtin.Identities;
import io.gridlet.client.ClientIdentity;
import io.gridlet.client.LiveClient;
import io.gridlet.client.LivePolicies;
import io.gridlet.client.LiveProtocol;
import io.gridlet.client.Transport;
import io.gridlet.enclave.sealing.SealException;
import io.gridlet.flink.sink.ResultParts;
import io.grpc.StatusRuntimeException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiFunction;

/** {@code gridlet results}: subscribes to a running service's results and prints them as they come. */
@Command(name = "results", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Subscribes to gridlet serve's results (gridlet.results.v1.Results/Subscribe) and prints each line as "
                + "'FILE LINE' (FILE: the output file it belongs to, e.g. q1-house-60.csv) from now on, until the "
                + "service stops or --count lines came.")
final class ResultsCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--target", defaultValue = "127.0.0.1:7070",
            description = "The service, host:port (default: ${DEFAULT-VALUE}).")
    String target;

    @CommandLine.Mixin
    ClientTlsOptions tls = new ClientTlsOptions();

    @Option(names = "--query", defaultValue = "", description = "q1 or q2 (default: both).")
    String query;

    @Option(names = "--house", defaultValue = "-1", description = "Only this house's results (default: all).")
    long house;

    @Option(names = "--count", defaultValue = "0", description = "Stop after this many lines (default: 0, never).")
    long count;

    @Option(names = "--identity", defaultValue = ClientIdentity.ANALYST,
            description = "Who subscribes (role analyst or operator) (default: ${DEFAULT-VALUE}).")
    String identity;

    @Option(names = "--identities", paramLabel = "FILE", defaultValue = "gridlet-live/identities",
            description = "Where its secret is (default: ${DEFAULT-VALUE}).")
    Path identities;

    @Option(names = "--keys", paramLabel = "PATH",
            description = "Open sealed results (gridlet serve --sealed) with the data owner's key directory, or an "
                    + "analyst's key file (gridlet keys analyst: the results of its houses; others are not shown).")
    Path keys;

    @Option(names = "--policy", paramLabel = "FILE",
            description = "The client's QoS policy (default: the bundled " + LivePolicies.CLIENT + ").")
    Path policy;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        LiveProtocol.Subscription filter;
        BiFunction<String, String, String> open = (file, line) -> line;
        LongAdder others = new LongAdder();
        byte[] secret;
        String policyText;
        Transport transport;
        try {
            filter = new LiveProtocol.Subscription(query, house);
            if (keys != null) {
                var opener = ResultParts.opener(SealedRuns.resultKeys(keys), "", others); // live: no run
                open = (file, line) -> {
                    String keyed = opener.apply(file, line);
                    return keyed == null ? null : ResultParts.lineOf(keyed);
                };
            }
            secret = Identities.read(InputSource.readableFile(identities.toString())).secret(identity);
            if (secret == null) throw new UserError(identities + " has no secret for " + identity);
            policyText = InputSource.policyOrBundled(policy, LivePolicies.CLIENT);
            transport = tls.transport(policyText);
        } catch (UserError | IllegalArgumentException | IOException e) {
            err.println("gridlet results: " + e.getMessage());
            return 2;
        }
        try (LiveClient client = LiveClient.open(target, transport, policyText,
                new ClientIdentity(identity, secret))) {
            Iterator<LiveProtocol.Result> results = client.subscribe(filter);
            long n = 0, unopenable = 0;
            while ((count == 0 || n < count) && results.hasNext()) {
                LiveProtocol.Result r = results.next();
                String line;
                try {
                    line = open.apply(r.file(), r.line());
                } catch (SealException e) { // changed on the way: counted, and the stream goes on
                    if (unopenable++ == 0) err.println("gridlet results: a result does not open (" + e.reason() + ")");
                    continue;
                }
                if (line == null) continue; // a house these keys may not read (counted in others)
                out.println(r.file() + " " + line);
                n++;
            }
            out.flush();
            if (others.sum() > 0 || unopenable > 0) {
                err.printf("gridlet results: left out %d results of houses these keys may not read, %d that did not "
                        + "open%n", others.sum(), unopenable);
            }
            return unopenable > 0 ? 1 : 0;
        } catch (StatusRuntimeException e) {
            err.println("gridlet results: " + e.getStatus().getCode() + (e.getStatus().getDescription() == null
                    ? "" : ": " + e.getStatus().getDescription()));
            return 1;
        }
    }
}
