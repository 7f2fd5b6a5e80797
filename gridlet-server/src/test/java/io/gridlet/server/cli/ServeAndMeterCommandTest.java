package io.gridlet.server.cli;

import io.gridlet.core.result.ResultLines;
import io.gridlet.flink.FlinkRun;
import io.gridlet.server.observe.PrometheusText;
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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

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
        ExecutorService background = Executors.newFixedThreadPool(3);
        try {
            String metricsPort = Integer.toString(FlinkRun.freeLoopbackPort());
            Future<Result> serve = background.submit(() -> gridlet("serve", "-q", "--dir", live.toString(),
                    "--port", port, "--meters", "4", "--checkpoint-interval", "0.5", "--max-lateness", "900",
                    "--metrics-port", metricsPort));
            // what Prometheus would scrape while the data flows: the last answer that had the job's stages
            AtomicReference<String> scraped = new AtomicReference<>();
            AtomicBoolean scraping = new AtomicBoolean(true);
            Future<?> scraper = background.submit(() -> scrape("http://127.0.0.1:" + metricsPort + "/metrics",
                    scraped, scraping));
            Path ids = live.resolve("identities");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.exists(ids) && System.nanoTime() < deadline) Thread.sleep(50);
            awaitListening(Integer.parseInt(port), deadline); // the job starts, then the gateway listens
            Future<Result> subscriber = background.submit(() -> gridlet("results", "--target", "127.0.0.1:" + port,
                    "--identities", ids.toString(), "--query", "q1", "--house", "1", "--count", "20"));
            // subscribed before the first result: its session is open (the service's metrics say so), then a moment
            awaitSessions("http://127.0.0.1:" + metricsPort + "/metrics", 1, deadline);
            Thread.sleep(500);

            String[] meter = concat(new String[] {"meter", "-q", "--target", "127.0.0.1:" + port, "--meters", "4",
                    "--identities", ids.toString(), "--speedup", "300", "--end-of-data"}, data);
            Result fleet = gridlet(meter);
            assertThat(fleet.code()).as(fleet.err()).isZero();
            assertThat(fleet.out()).contains("refused by the gateway 0", "ended     the data");

            Result subscribed = subscriber.get(60, TimeUnit.SECONDS);
            assertThat(subscribed.code()).as(subscribed.err()).isZero();
            assertThat(subscribed.out().lines()).hasSize(20)
                    .allMatch(l -> l.startsWith("q1-") && l.split(" ")[1].split(",")[1].equals("1"));

            scraping.set(false);
            scraper.get(10, TimeUnit.SECONDS);
            assertThat(scraped.get()).as("a scrape with the job's stages").isNotNull();
            PrometheusText metrics = PrometheusText.parse(scraped.get());
            assertThat(metrics.value("gridlet_ingest_readings_total", "outcome", "accepted")).isPositive();
            assertThat(metrics.samples("gridlet_ingest_ack_seconds_bucket")).isNotEmpty();
            assertThat(metrics.value("gridlet_ingest_ack_seconds_count")).isPositive();
            assertThat(metrics.samples("gridlet_adaptlet_calls_total", "adaptlet", "session")).isNotEmpty();
            assertThat(metrics.value("gridlet_log_size_bytes")).isPositive();
            assertThat(metrics.value("gridlet_log_entries_appended_total")).isPositive();
            // the job's figures come from Flink, which reports them with its heartbeats and metric fetches (every
            // 10 s): a job of a few seconds may not have reported them yet, but every family is there
            assertThat(metrics.value("gridlet_job_readings_total")).isNotNegative();
            assertThat(metrics.value("gridlet_job_rejected_total", "reason", "late")).isZero();
            assertThat(metrics.value("gridlet_job_parallelism")).isEqualTo(1);
            assertThat(metrics.types()).containsKeys("gridlet_job_data_time_seconds", "gridlet_job_lag_seconds",
                    "gridlet_job_checkpoint_duration_seconds", "gridlet_job_checkpoint_size_bytes");
            assertThat(metrics.samples("gridlet_job_checkpoints_total")).hasSize(1);
            assertThat(metrics.samples("gridlet_job_rescales_total")).hasSize(2);
            assertThat(metrics.samples("gridlet_stage_busy_ratio")).extracting(x -> x.labels().get("stage"))
                    .contains("source-readings-order-gate");
            assertThat(metrics.samples("gridlet_stage_records_in_total")).isNotEmpty()
                    .allSatisfy(x -> assertThat(x.value()).isNotNegative());
            assertThat(metrics.samples("gridlet_stage_backpressured_ratio")).isNotEmpty();

            Result served = serve.get(120, TimeUnit.SECONDS);
            assertThat(served.code()).as(served.err()).isZero();
            assertThat(served.err()).contains("listening on 127.0.0.1:" + port, "made " + ids,
                    "metrics on http://127.0.0.1:" + metricsPort + "/metrics");
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

        Result clusterWithoutKafka = gridlet("serve", "--dir", dir.resolve("c").toString(), "--cluster",
                "127.0.0.1:1");
        assertThat(clusterWithoutKafka.code()).isEqualTo(2);
        assertThat(clusterWithoutKafka.err()).contains("--cluster needs --kafka");
        Result topicWithoutCluster = gridlet("serve", "--dir", dir.resolve("c").toString(), "--results-topic", "r");
        assertThat(topicWithoutCluster.code()).isEqualTo(2);
        assertThat(topicWithoutCluster.err()).contains("--results-topic goes with --cluster");

        Result help = gridlet("serve", "--help");
        assertThat(help.code()).isZero();
        assertThat(help.out()).contains("--max-lateness", "--kafka", "--cluster", "--results-topic", "gridlet results");
    }

    /** Waits until the service has opened {@code n} sessions, by its metrics. */
    private static void awaitSessions(String metrics, int n, long deadline) throws Exception {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        while (System.nanoTime() < deadline) {
            try {
                String body = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(metrics)).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString()).body();
                if (PrometheusText.parse(body).samples("gridlet_adaptlet_calls_total", "adaptlet", "session",
                        "outcome", "opened").stream().mapToDouble(PrometheusText.Sample::value).sum() >= n) {
                    return;
                }
            } catch (java.io.IOException e) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the service did not open " + n + " sessions");
    }

    private static void awaitListening(int port, long deadline) throws InterruptedException {
        while (System.nanoTime() < deadline) {
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
                return;
            } catch (java.io.IOException e) {
                Thread.sleep(50);
            }
        }
        throw new AssertionError("the gateway does not listen on " + port);
    }

    /** Scrapes every 200 ms while {@code scraping}, keeping the last answer that had the job's stages. */
    private static void scrape(String url, AtomicReference<String> last, AtomicBoolean scraping) {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        while (scraping.get()) {
            try {
                java.net.http.HttpResponse<String> r = http.send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(url)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && r.body().contains("gridlet_stage_busy_ratio")) last.set(r.body());
                Thread.sleep(200);
            } catch (java.io.IOException e) {
                try {
                    Thread.sleep(200); // not listening yet
                } catch (InterruptedException stop) {
                    return;
                }
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
