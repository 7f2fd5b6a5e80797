package io.gridlet.server.cli;

import io.gridlet.flink.RunDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** gridlet scale against a running gridlet run, and what gridlet run does with an unfinished run in --out. */
class ScaleAndResumeTest {
    @TempDir
    Path dir;

    /** One command's run: exit code and what it printed. */
    private record Result(int exit, String out, String err) {
    }

    private static Result gridlet(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = GridletCommand.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    private static final String[] SHAPE = {"--days", "1.5", "--houses", "3", "--interval", "30", "--seed", "5"};

    private static String[] args(String... head) {
        String[] all = java.util.Arrays.copyOf(head, head.length + SHAPE.length);
        System.arraycopy(SHAPE, 0, all, head.length, SHAPE.length);
        return all;
    }

    @Test
    void scaleRescalesARunningRunWhichStillWritesTheCoreResults() throws Exception {
        Path flink = dir.resolve("flink");
        // ~70 k lines at 8 k lines/s: about 9 s of running to rescale in
        CompletableFuture<Result> run = CompletableFuture.supplyAsync(() -> gridlet(args("run", "-q", "-p", "2",
                "--scale-max", "2", "--replay-rate", "8000", "--checkpoint-interval", "0.5", "-o", flink.toString())));
        RunDirectory work = new RunDirectory(flink);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (work.job().isEmpty() || work.latestCheckpoint().isEmpty()) {
            assertThat(run).as("the run is still going").isNotDone();
            assertThat(System.nanoTime()).isLessThan(deadline);
            Thread.sleep(50);
        }
        Result scale = gridlet("scale", "--out", flink.toString(), "--parallelism", "1");
        assertThat(scale.exit()).as(scale.err()).isZero();
        assertThat(scale.out()).contains("parallelism 2, asked for 1").containsPattern("running at 1 after [0-9.]+ s");

        Result done = run.get(120, TimeUnit.SECONDS);
        assertThat(done.exit()).as(done.err()).isZero();
        assertThat(done.err()).contains("Flink REST on http://127.0.0.1:")
                .contains("parallelism 2 -> 1 (manual: requested through the REST endpoint");
        assertThat(done.out()).contains("parallelism over time: 2 -> 1 at");

        Path core = dir.resolve("core");
        assertThat(gridlet(args("run", "-q", "--engine", "core", "-o", core.toString())).exit()).isZero();
        try (var files = Files.list(core)) {
            for (Path file : files.toList()) {
                assertThat(Files.readAllLines(flink.resolve(file.getFileName())))
                        .as(file.getFileName().toString()).isEqualTo(Files.readAllLines(file));
            }
        }
        assertThat(Files.exists(flink.resolve(RunDirectory.NAME))).isFalse();
    }

    @Test
    void scaleWithoutARunningRunIsAClearError() {
        Result r = gridlet("scale", "--out", dir.toString(), "--parallelism", "2");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("no running gridlet run in " + dir);
        assertThat(gridlet("scale", "--out", dir.toString(), "--parallelism", "0").exit()).isEqualTo(2);
        assertThat(gridlet("scale", "--rest", "127.0.0.1:1").err()).contains("--parallelism");
    }

    @Test
    void anUnfinishedRunOfOtherInputIsKeptUnlessFresh() throws Exception {
        Path out = dir.resolve("out");
        RunDirectory work = new RunDirectory(out);
        work.startFresh("some other input");
        Files.createDirectories(work.checkpoints().resolve("job").resolve("chk-7"));
        Files.writeString(work.checkpoints().resolve("job").resolve("chk-7").resolve("_metadata"), "x");

        Result refused = gridlet(args("run", "-q", "-o", out.toString()));
        assertThat(refused.exit()).isEqualTo(2);
        assertThat(refused.err()).contains("unfinished run of other input or settings").contains("--fresh");
        assertThat(work.latestCheckpoint()).isPresent();

        Result fresh = gridlet(args("run", "-q", "--fresh", "--no-autoscale", "-o", out.toString()));
        assertThat(fresh.exit()).as(fresh.err()).isZero();
        assertThat(out.resolve("q1-plug-60.csv")).exists();
        assertThat(Files.exists(work.root())).isFalse();
    }
}
