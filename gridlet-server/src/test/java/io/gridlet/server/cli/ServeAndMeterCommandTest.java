package io.gridlet.server.cli;

import io.gridlet.core.result.ResultLines;
import io.gridlet.flink.FlinkRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code gridlet serve} and {@code gridlet meter} as a user runs them (on 127.0.0.1, a free port): the service
 * makes its identities, the fleet streams generated data and ends it, the service writes exactly the files
 * {@code gridlet run} writes over the same data offline; and the errors a user can make.
 */
class ServeAndMeterCommandTest {
    @TempDir
    Path dir;

    private record Result(int code, String out, String err) {
    }

    private static Result gridlet(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cli = GridletCommand.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void serveAndMeterComputeWhatRunComputesOffline() throws Exception {
        String port = Integer.toString(FlinkRun.freeLoopbackPort());
        String[] data = {"--houses", "2", "--days", "0.02", "--interval", "1", "--seed", "5"};
        Path live = dir.resolve("live");
        ExecutorService background = Executors.newFixedThreadPool(2);
        try {
            Future<Result> serve = background.submit(() -> gridlet("serve", "-q", "--dir", live.toString(),
                    "--port", port, "--meters", "4", "--checkpoint-interval", "0.5", "--max-lateness", "900"));
            Path ids = live.resolve("identities");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.exists(ids) && System.nanoTime() < deadline) Thread.sleep(50);
            Thread.sleep(500); // the gateway listens right after making the identities
            Future<Result> subscriber = background.submit(() -> gridlet("results", "--target", "127.0.0.1:" + port,
                    "--identities", ids.toString(), "--query", "q1", "--house", "1", "--count", "20"));
            Thread.sleep(1_000); // subscribed before the first result

            String[] meter = concat(new String[] {"meter", "-q", "--target", "127.0.0.1:" + port, "--meters", "4",
                    "--identities", ids.toString(), "--speedup", "300", "--end-of-data"}, data);
            Result fleet = gridlet(meter);
            assertThat(fleet.code()).as(fleet.err()).isZero();
            assertThat(fleet.out()).contains("refused by the gateway 0", "ended     the data");

            Result subscribed = subscriber.get(60, TimeUnit.SECONDS);
            assertThat(subscribed.code()).as(subscribed.err()).isZero();
            assertThat(subscribed.out().lines()).hasSize(20)
                    .allMatch(l -> l.startsWith("q1-") && l.split(" ")[1].split(",")[1].equals("1"));

            Result served = serve.get(120, TimeUnit.SECONDS);
            assertThat(served.code()).as(served.err()).isZero();
            assertThat(served.err()).contains("listening on 127.0.0.1:" + port, "made " + ids);
            assertThat(served.out()).contains("rejected  0", "wrote");
        } finally {
            background.shutdownNow();
        }
        Path offline = dir.resolve("offline");
        Result run = gridlet(concat(new String[] {"run", "-q", "--engine", "core", "--out", offline.toString()},
                data));
        assertThat(run.code()).as(run.err()).isZero();
        for (String file : ResultLines.headers(io.gridlet.core.engine.QueryConfig.DEFAULT).keySet()) {
            assertThat(Files.readAllLines(live.resolve("out").resolve(file))).as(file)
                    .isEqualTo(Files.readAllLines(offline.resolve(file)));
        }
    }

    @Test
    void mistakesAreOneLineAndExitCodeTwo() throws Exception {
        Result noIds = gridlet("meter", "--identities", dir.resolve("none").toString());
        assertThat(noIds.code()).isEqualTo(2);
        assertThat(noIds.err()).contains("cannot read", "no such file");

        Path ids = dir.resolve("ids");
        Files.writeString(ids, "meter-0 meter 2 " + java.util.Base64.getEncoder().encodeToString(new byte[16]) + "\n");
        Result tooFew = gridlet("meter", "--identities", ids.toString(), "--meters", "3");
        assertThat(tooFew.code()).isEqualTo(2);
        assertThat(tooFew.err()).contains("no secret for meter-1");

        Result badFsync = gridlet("serve", "--dir", dir.resolve("s").toString(), "--fsync", "sometimes");
        assertThat(badFsync.code()).isEqualTo(2);
        assertThat(badFsync.err()).contains("--fsync must be always or never");

        Result help = gridlet("serve", "--help");
        assertThat(help.code()).isZero();
        assertThat(help.out()).contains("--max-lateness", "--kafka", "gridlet results");
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
