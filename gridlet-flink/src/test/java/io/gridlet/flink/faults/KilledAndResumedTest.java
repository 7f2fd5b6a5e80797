package io.gridlet.flink.faults;

import io.gridlet.flink.FlinkRun;
import io.gridlet.flink.GridletJobMain;
import io.gridlet.flink.RunDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fault test (c): a run in its own JVM is killed with SIGKILL (no shutdown hook, no cleanup) after a few
 * checkpoints; a new run on the same directory resumes from the last completed one, at another parallelism, and
 * writes exactly the undisturbed output.
 */
class KilledAndResumedTest {
    @TempDir
    Path dir;

    @Test
    void aRunKilledWithSigkillResumesFromItsLastCheckpoint() throws Exception {
        FaultRuns data = FaultRuns.in(dir);
        Path out = dir.resolve("killed");
        RunDirectory work = new RunDirectory(out);

        Process child = new ProcessBuilder(childCommand(out, data.csv))
                .redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (checkpointNumber(work) < 3) {
                assertThat(child.isAlive()).as("child still running (see child.log)").isTrue();
                assertThat(System.nanoTime()).as("child checkpointing").isLessThan(deadline);
                Thread.sleep(20);
            }
        } finally {
            child.destroyForcibly(); // SIGKILL
            child.waitFor(30, TimeUnit.SECONDS);
        }
        assertThat(Files.exists(out.resolve("q1-plug-60.csv"))).as("killed before finishing").isFalse();

        FlinkRun resumed = FaultRuns.newRun();
        Optional<Path> checkpoint = work.prepare(resumed.identity(data.csv), false);
        assertThat(checkpoint).as("a completed checkpoint to resume from").isPresent();
        try (FaultRuns.Background run = new FaultRuns.Background(resumed, FlinkRun.embedded(1), data.csv, out,
                checkpoint)) {
            data.assertUndisturbed(run.finish(), out);
        }
    }

    private static long checkpointNumber(RunDirectory work) throws Exception {
        Optional<Path> latest = work.latestCheckpoint();
        return latest.map(p -> Long.parseLong(p.getFileName().toString().substring("chk-".length()))).orElse(0L);
    }

    /** The job's own main, as {@code flink run} would start it, at parallelism 2 on a local environment. */
    private static List<String> childCommand(Path out, Path csv) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("--add-opens") || arg.startsWith("--add-exports")) command.add(arg);
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(GridletJobMain.class.getName());
        command.addAll(List.of("--input", csv.toString(), "--out", out.toString(),
                "--checkpoint-interval", String.valueOf(FaultRuns.CHECKPOINTS.toMillis() / 1000.0),
                "--replay-rate", String.valueOf(FaultRuns.REPLAY_RATE)));
        return command;
    }
}
