package io.gridlet.server.cli;

import io.gridlet.flink.FlinkRun;
import io.gridlet.flink.RunDirectory;
import io.gridlet.flink.elastic.JobRest;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.Callable;

/** {@code gridlet scale}: rescales the query stages of a running {@code gridlet run}. */
@Command(name = "scale", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
                "Rescales the keyed query stages (Q1, Q2's per-plug medians) of a running job: the adaptive scheduler "
                        + "restarts them from their latest checkpoint at the new parallelism, state moving by key "
                        + "group; no result is lost or repeated.",
                "The choice is a manual override: the autoscaler of that run stands down for the rest of it."})
final class ScaleCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-p", "--parallelism"}, required = true, paramLabel = "N",
            description = "The new parallelism (1.." + FlinkRun.MAX_PARALLELISM + "; an embedded run reaches at most "
                    + "its --scale-max slots).")
    int parallelism;

    @Option(names = {"-o", "--out"}, defaultValue = "gridlet-out",
            description = "The --out directory of the running gridlet run (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--rest", paramLabel = "HOST:PORT",
            description = "The Flink REST endpoint instead (with --job), e.g. a cluster's JobManager.")
    String rest;

    @Option(names = "--job", paramLabel = "ID", description = "The job id, with --rest.")
    String job;

    @Option(names = "--wait", paramLabel = "SECONDS", defaultValue = "30",
            description = "How long to wait for the job to run at the new parallelism (default: ${DEFAULT-VALUE}; "
                    + "0: do not wait).")
    double waitSeconds;

    @Override
    public Integer call() throws Exception {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter stderr = spec.commandLine().getErr();
        if (parallelism < 1 || parallelism > FlinkRun.MAX_PARALLELISM) {
            throw new UserError("--parallelism must be within 1.." + FlinkRun.MAX_PARALLELISM);
        }
        if ((rest == null) != (job == null)) throw new UserError("give --rest and --job together");
        JobRest client = rest != null ? new JobRest(rest, job) : fromRunDirectory();
        JobRest.Job before = state(client);
        if (before.terminal()) throw new UserError("job " + client.jobId() + " is " + before.state());
        long start = System.nanoTime();
        client.rescale(parallelism);
        stdout.printf(Locale.ROOT, "job %s: parallelism %d, asked for %d%n", client.jobId(), before.parallelism(),
                parallelism);
        if (waitSeconds <= 0) return 0;
        long deadline = start + (long) (waitSeconds * 1e9);
        JobRest.Job now = before;
        while (System.nanoTime() < deadline) {
            now = state(client);
            if (now.terminal()) {
                stdout.println("job " + client.jobId() + " is " + now.state());
                return 0;
            }
            if (now.runningAt(parallelism)) {
                stdout.printf(Locale.ROOT, "running at %d after %.1f s (request to running again)%n",
                        parallelism, (System.nanoTime() - start) / 1e9);
                return 0;
            }
            Thread.sleep(50);
        }
        stderr.printf(Locale.ROOT, "gridlet scale: still at %d after %.0f s (an embedded run has --scale-max "
                + "slots; a cluster needs free slots)%n", now.parallelism(), waitSeconds);
        return 1;
    }

    private JobRest fromRunDirectory() throws IOException {
        Properties p = new RunDirectory(out).job()
                .orElseThrow(() -> new UserError("no running gridlet run in " + out
                        + " (give --out, or --rest and --job)"));
        return new JobRest(p.getProperty("rest"), p.getProperty("job"));
    }

    private static JobRest.Job state(JobRest client) {
        try {
            return client.job();
        } catch (IOException e) {
            throw new UserError("cannot reach the job: " + e.getMessage());
        }
    }
}
