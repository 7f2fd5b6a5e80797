package io.gridlet.server.cli;

import io.gridlet.core.engine.QueryConfig;
import io.gridlet.core.result.ResultLines;
import io.gridlet.enclave.keys.ResultKeys;
import io.gridlet.enclave.sealing.SealException;
import io.gridlet.flink.FlinkRun;
import io.gridlet.flink.sink.ResultMerge;
import io.gridlet.flink.sink.ResultParts;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.LongAdder;

/** {@code gridlet unseal}: the data owner opens a sealed run's results into the spec's files. */
@Command(name = "unseal", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Opens the sealed results of a gridlet run --sealed (OUT/sealed-results) with the data owner's "
                + "keys, or an analyst's (gridlet keys analyst: the results of its houses only, the others left out "
                + "and counted), and writes the spec's output files to --to (default: OUT). First it checks that the "
                + "parts are as the run wrote them: with the owner's keys a line dropped, repeated, out of order, from "
                + "another run or file, or a part cut short or copied, is reported and nothing is written (an "
                + "analyst's keys cannot authenticate other houses' lines nor the parts' ends).")
final class UnsealCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "OUT", description = "The sealed run's output directory.")
    Path out;

    @Option(names = "--keys", paramLabel = "PATH", defaultValue = "gridlet-keys",
            description = "The data owner's key directory, or an analyst's key file (default: ${DEFAULT-VALUE}).")
    Path keys;

    @Option(names = "--to", paramLabel = "DIR", description = "Where the opened files go (default: OUT).")
    Path to;

    @Override
    public Integer call() throws IOException {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter stderr = spec.commandLine().getErr();
        Path sealed = out.resolve(FlinkRun.SEALED_RESULTS);
        if (!Files.isDirectory(sealed)) {
            stderr.println("gridlet unseal: " + out + " holds no sealed results (" + FlinkRun.SEALED_RESULTS + "/)");
            return 2;
        }
        ResultKeys resultKeys;
        try {
            resultKeys = SealedRuns.resultKeys(keys);
        } catch (IOException e) {
            stderr.println("gridlet unseal: " + e.getMessage());
            return 2;
        }
        Path target = to == null ? out : to;
        String run;
        try {
            run = ResultMerge.runOf(sealed);
        } catch (IOException e) {
            stderr.println("gridlet unseal: " + e.getMessage());
            return 2;
        }
        List<String> problems = ResultParts.verify(sealed, resultKeys, run);
        if (!problems.isEmpty()) {
            stderr.println("gridlet unseal: the sealed results are not as the run wrote them (nothing written):");
            for (String p : problems.subList(0, Math.min(20, problems.size()))) stderr.println("  " + p);
            if (problems.size() > 20) stderr.println("  ... and " + (problems.size() - 20) + " more");
            return 1;
        }
        Map<String, Long> written;
        LongAdder others = new LongAdder();
        try {
            written = ResultMerge.merge(sealed, target, ResultLines.headers(QueryConfig.DEFAULT),
                    ResultParts.opener(resultKeys, run, others));
        } catch (SealException e) {
            stderr.println("gridlet unseal: a result does not open (" + e.reason() + "): " + e.getMessage()
                    + "; nothing written is complete");
            return 1;
        }
        stdout.println("opened    " + sealed + " -> " + target);
        written.forEach((file, lines) -> stdout.printf("          %-18s %s lines%n", file, Figures.count(lines)));
        if (others.sum() > 0) {
            stdout.printf("left out  %s lines of houses %s may not read%n", Figures.count(others.sum()), resultKeys);
        }
        return 0;
    }
}
