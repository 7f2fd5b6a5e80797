package io.gridlet.server.cli;

import io.gridlet.adaptlets.builtin.Identities;
import io.gridlet.client.LivePolicies;
import io.gridlet.core.csv.RejectReason;
import io.gridlet.core.engine.QueryConfig;
import io.gridlet.core.engine.Replay;
import io.gridlet.core.wire.DataClock;
import io.gridlet.flink.FlinkRun;
import io.gridlet.flink.RunDirectory;
import io.gridlet.flink.elastic.JobRest;
import io.gridlet.flink.operators.Boundary;
import io.gridlet.flink.operators.GateCounts;
import io.gridlet.flink.sink.ResultHub;
import io.gridlet.log.IngestLog;
import io.gridlet.log.kafka.KafkaLog;
import io.gridlet.flink.sink.ResultTopic;
import java.util.function.DoubleSupplier;
import java.util.function.Consumer;
import java.util.concurrent.atomic.AtomicReference;
import io.gridlet.flink.elastic.ElasticityController;
import io.gridlet.flink.elastic.Autoscaler;
import io.gridlet.log.local.LocalLog;
import io.gridlet.log.local.LogCorruptedException;
import io.gridlet.server.live.Gateway;
import io.gridlet.server.live.IdentitiesFile;
import io.gridlet.server.live.LiveJob;
import io.gridlet.server.live.ServerTls;
import io.gridlet.server.observe.Dashboard;
import io.gridlet.server.observe.JobMeters;
import io.gridlet.server.observe.MetricsEndpoint;
import io.gridlet.server.observe.ServiceMeters;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/** {@code gridlet serve}: the live service, ingest gateway + the job over the ingest log + result subscriptions. */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
                "Runs the live service: meters stream readings over gRPC (gridlet.ingest.v1.Ingest/Send) in sessions whose "
                        + "features (authentication, authorization, puzzles, priority) are negotiated from the "
                        + "policies; each batch is acknowledged once it is durable in the ingest log; the queries "
                        + "run continuously over the log on an embedded Flink job; subscribers receive results "
                        + "(gridlet.results.v1.Results/Subscribe, e.g. with gridlet results); the standard gRPC health "
                        + "service (grpc.health.v1.Health) reports SERVING.",
                "Runs until the end of the data (gridlet meter --end-of-data, as the operator), then writes the "
                        + "result files to --dir/out and exits; or until Ctrl-C, after which the same command "
                        + "resumes where it stopped (the job from its checkpoint, the gateway from the log)."})
final class ServeCommand implements Callable<Integer> {
    /** Result hubs of this process: each run or service its own (a hub remembers what it handed on). */
    private static final java.util.concurrent.atomic.AtomicLong HUBS = new java.util.concurrent.atomic.AtomicLong();

    /**
     * gRPC's Netty transport logs a client that goes away mid-stream (a subscriber that has what it wanted) as a
     * warning with a stack trace: normal for a server, kept off the console (held here: JUL holds loggers weakly).
     */
    private static final Logger NETTY_STREAMS =
            Logger.getLogger("io.grpc.netty.shaded.io.grpc.netty.NettyServerHandler");

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--dir", defaultValue = "gridlet-live",
            description = "Where the service keeps its log (DIR/log), results (DIR/out) and, unless --identities "
                    + "says otherwise, its identities (DIR/identities) (default: ${DEFAULT-VALUE}).")
    Path dir;

    @Option(names = "--bind", defaultValue = "127.0.0.1",
            description = "Address to listen on (default: ${DEFAULT-VALUE}; 0.0.0.0 for every interface). Beyond "
                    + "loopback this needs --tls-cert, or --insecure.")
    String bind;

    @Option(names = "--port", defaultValue = "7070", description = "Port to listen on (default: ${DEFAULT-VALUE}).")
    int port;

    @CommandLine.Mixin
    ServerTlsOptions tls = new ServerTlsOptions();

    @Option(names = "--identities", paramLabel = "FILE",
            description = "Who may call (lines 'id roles max-priority secret [houses=SET]'; see "
                    + "docs/live-service.md). Default: DIR/identities, made on first start with --meters meters "
                    + "(meter-i of N owning houses i%%N), an operator and an analyst, fresh secrets.")
    Path identities;

    @Option(names = "--meters", defaultValue = "10",
            description = "Meters in an identities file made on first start, meter-i of N owning houses i%%N: the "
                    + "same number as gridlet meter --meters sends each house from its owner (default: "
                    + "${DEFAULT-VALUE}, as gridlet meter's).")
    int meters;

    @Option(names = "--policy", paramLabel = "FILE",
            description = "The server's QoS policy (default: the bundled " + LivePolicies.GATEWAY + ").")
    Path policy;

    @Option(names = "--fsync", defaultValue = "always",
            description = "always: acknowledge a batch once its log entry is forced to disk (group commit); never: "
                    + "once written to the OS (survives a crash of the service, not of the machine) "
                    + "(default: ${DEFAULT-VALUE}).")
    String fsync;

    @Option(names = "--log-partitions", paramLabel = "N", defaultValue = "1",
            description = "Partitions of the local ingest log DIR/log (1-" + LocalLog.MAX_PARTITIONS + "): each "
                    + "meter's entries go to one; the job reads each with its own source and order gate, data time "
                    + "the watermark over them. A log keeps the partitions it was written with "
                    + "(default: ${DEFAULT-VALUE}). With --kafka the topic's partitions are used.")
    int logPartitions;

    @Option(names = "--kafka", paramLabel = "HOST:PORT",
            description = "Use this Kafka cluster's topic (--topic) as the ingest log instead of DIR/log. The job "
                    + "then runs until stopped: the end of data does not end it (see docs/live-service.md).")
    String kafka;

    @Option(names = "--topic", defaultValue = "gridlet-readings",
            description = "The Kafka topic, with --kafka; each of its partitions is read by its own source and order "
                    + "gate, a meter's entries in one of them (default: ${DEFAULT-VALUE}).")
    String topic;

    @Option(names = "--cluster", paramLabel = "HOST:PORT",
            description = "Submit the job to this Flink cluster's JobManager (REST port) instead of running it "
                    + "embedded; needs --kafka (the cluster reads the readings from the topic) and --dir on a file "
                    + "system every TaskManager sees (results and checkpoints are written there). Results reach "
                    + "subscribers through the Kafka topic --results-topic.")
    String cluster;

    @Option(names = "--results-topic", paramLabel = "TOPIC",
            description = "With --cluster: the Kafka topic the job's results come back to the service through "
                    + "(made if missing; default: the --topic name with -results appended).")
    String resultsTopic;

    @Option(names = "--max-lateness", defaultValue = "120",
            description = "Seconds of data time a reading may be older than the service's data time and still be "
                    + "put in order; data time is the watermark over the meters that send, so a meter that sends "
                    + "in order is never late (default: ${DEFAULT-VALUE}).")
    long maxLateness;

    @Option(names = "--max-ahead", paramLabel = "SECONDS", defaultValue = "3600",
            description = "Refuse readings more than this far ahead of data time (too-far-ahead); also how far "
                    + "behind the others a meter may be and still hold data time back (default: ${DEFAULT-VALUE}).")
    long maxAhead;

    @Option(names = "--clock-skew", paramLabel = "SECONDS", defaultValue = "300",
            description = "Refuse readings dated after this machine's clock plus this (too-far-ahead): a meter "
                    + "cannot measure the future (default: ${DEFAULT-VALUE}).")
    long clockSkew;

    @Option(names = "--idle-after", paramLabel = "SECONDS", defaultValue = "30",
            description = "A meter that sent nothing for this long (wall time) no longer holds data time back "
                    + "(default: ${DEFAULT-VALUE}).")
    long idleAfter;

    @Option(names = {"-p", "--parallelism"}, defaultValue = "1",
            description = "Parallel instances of the query operators (default: ${DEFAULT-VALUE}; rescale while "
                    + "running with gridlet scale --out DIR/out).")
    int parallelism;

    @Option(names = "--autoscale", negatable = true, fallbackValue = "true",
            description = "Run the elasticity controller: it rescales the job's keyed stages within --scale-min and "
                    + "--scale-max from their busy time, the source's back-pressure and the job's lag behind the "
                    + "meters (growing while they are busy: overloaded); gridlet scale overrides it (default: on "
                    + "embedded; with --cluster off unless given: it needs the cluster's adaptive scheduler).")
    Boolean autoscale;

    @Option(names = "--scale-min", paramLabel = "N", defaultValue = "1",
            description = "The least parallelism the controller goes to (default: ${DEFAULT-VALUE}).")
    int scaleMin;

    @Option(names = "--scale-max", paramLabel = "N",
            description = "The most parallelism the controller or gridlet scale can reach (embedded: that many "
                    + "slots; default: the larger of 4 and --parallelism).")
    Integer scaleMax;

    @Option(names = "--checkpoint-interval", paramLabel = "SECONDS", defaultValue = "5",
            description = "Seconds between checkpoints (default: ${DEFAULT-VALUE}).")
    double checkpointSeconds;

    @Option(names = "--sealed",
            description = "Sealed data end to end: meters send sealed readings (gridlet meter --sealed), the log keeps "
                    + "them sealed, the job opens them only inside its boundary with keys released from --keys, "
                    + "subscribers and the result files get results sealed for the owner (gridlet unseal).")
    boolean sealed;

    @Option(names = "--keys", paramLabel = "DIR", defaultValue = "gridlet-keys",
            description = "The data owner's keys, with --sealed (default: ${DEFAULT-VALUE}).")
    Path keys;

    @CommandLine.ArgGroup(validate = false, heading = "%nKeys from a key broker (with --sealed):%n")
    BrokerOptions broker = new BrokerOptions();

    @Option(names = "--trusted-memory", paramLabel = "MIB", defaultValue = "128",
            description = "With --sealed: MiB of Q2 window state each instance keeps in trusted memory; beyond it the "
                    + "state spills to an encrypted store in DIR/spill (default: ${DEFAULT-VALUE}).")
    long trustedMemoryMib;

    @CommandLine.Mixin
    MetricsOptions metricsOptions = new MetricsOptions();

    @Option(names = "--no-dashboard", description = "No dashboard page beside the metrics (it is on "
            + "http://METRICS-BIND:METRICS-PORT/ by default).")
    boolean noDashboard;

    @Option(names = "--fresh", description = "Discard an unfinished run in --dir/out (the log is kept).")
    boolean fresh;

    @Option(names = {"-q", "--quiet"}, description = "No progress display.")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        NETTY_STREAMS.setLevel(Level.SEVERE);
        if (port < 0 || port > 65_535) throw new UserError("--port must be 0..65535");
        ServerTls serverTls = tls.load(bind); // before anything is made or listens
        if (parallelism < 1) throw new UserError("--parallelism must be >= 1");
        if (maxLateness < 0) throw new UserError("--max-lateness must be >= 0");
        if (maxAhead < 1) throw new UserError("--max-ahead must be >= 1");
        if (clockSkew < 0) throw new UserError("--clock-skew must be >= 0");
        if (idleAfter < 0) throw new UserError("--idle-after must be >= 0");
        if (checkpointSeconds < 0.05) throw new UserError("--checkpoint-interval must be >= 0.05 s");
        int maxParallelism = scaleMax != null ? scaleMax : Math.max(4, parallelism);
        FlinkEngine.checkScaling(parallelism, scaleMin, maxParallelism);
        if (cluster != null && kafka == null) {
            throw new UserError("--cluster needs --kafka: the cluster's TaskManagers read the readings from a Kafka "
                    + "topic (the local log is this machine's)");
        }
        if (cluster != null && sealed) throw new UserError("--sealed runs embedded: the keys are released in-process");
        if (resultsTopic != null && cluster == null) throw new UserError("--results-topic goes with --cluster");
        LocalLog.Fsync sync = switch (fsync) {
            case "always" -> LocalLog.Fsync.ALWAYS;
            case "never" -> LocalLog.Fsync.NEVER;
            default -> throw new UserError("--fsync must be always or never, got " + fsync);
        };
        Path idFile = identities != null ? identities : dir.resolve("identities");
        if (identities == null && !Files.exists(idFile)) {
            IdentitiesFile.write(idFile, meters);
            err.println("gridlet serve: made " + idFile + " (" + meters + " meters, operator, analyst; fresh "
                    + "secrets; gridlet meter reads it)");
        }
        Identities ids;
        String policyText;
        try {
            ids = Identities.read(InputSource.readableFile(idFile.toString()));
            policyText = InputSource.policyOrBundled(policy, LivePolicies.GATEWAY);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        long anyHouse = ids.ids().stream().filter(id -> ids.identity(id).hasRole("meter"))
                .filter(id -> ids.attribute(id, "houses") == null).count();
        if (anyHouse > 0) {
            err.println("gridlet serve: " + anyHouse + " meters in " + idFile + " state no houses=: they may report "
                    + "for any house");
        }

        Boundary boundary = sealed
                ? SealedRuns.release(keys, broker, "serve", trustedMemoryMib, dir.resolve("spill"), err)
                : Boundary.PLAIN;
        if (logPartitions < 1 || logPartitions > LocalLog.MAX_PARTITIONS) {
            throw new UserError("--log-partitions: 1 to " + LocalLog.MAX_PARTITIONS + ", not " + logPartitions);
        }
        if (kafka != null && logPartitions != 1) {
            throw new UserError("--log-partitions is for the local log; a Kafka topic has its own partitions");
        }
        IngestLog log = kafka == null
                ? new LocalLog(dir.resolve("log"), sync, LocalLog.DEFAULT_SEGMENT_BYTES, logPartitions)
                : new KafkaLog(kafka, topic, Map.of());
        Path results = dir.resolve("out");
        String hub = "serve-" + ProcessHandle.current().pid() + "-" + HUBS.incrementAndGet(); // one per service
        PrometheusMeterRegistry metrics = MetricsEndpoint.newRegistry();
        LiveJob.Settings settings = new LiveJob.Settings(QueryConfig.DEFAULT, maxLateness,
                Duration.ofMillis((long) (checkpointSeconds * 1000)), parallelism, maxParallelism, boundary);
        String resultsFrom = resultsTopic != null ? resultsTopic : topic + "-results";
        if (cluster != null) settings = settings.on(new LiveJob.Cluster(cluster, FlinkEngine.ownJar(), resultsFrom));
        ResultTopic.Following following = null;
        if (cluster != null) {
            try { // before the job: subscribers get every result from here on
                following = ResultTopic.follow(kafka, resultsFrom, Map.of(),
                        io.gridlet.core.result.ResultLines.headers(QueryConfig.DEFAULT).keySet(), ResultHub.named(hub));
            } catch (IOException e) {
                throw new UserError(e.getMessage());
            }
        }
        final ResultTopic.Following resultsFollowed = following;
        if (following != null) {
            for (var counted : Map.<String, java.util.function.ToDoubleFunction<ResultTopic.Following>>of(
                    "read", f -> f.received(), "skipped", f -> f.malformed(), "failed", f -> f.failures()).entrySet()) {
                io.micrometer.core.instrument.FunctionCounter.builder("gridlet.results.topic.records", following,
                                counted.getValue()).tag("outcome", counted.getKey())
                        .description("records of the results topic the service read, skipped (not results of "
                                + "this run) and failed polls or hand-ons").register(metrics);
            }
        }
        LiveJob job;
        try {
            job = LiveJob.start(log, settings, results, hub, fresh);
        } catch (RunDirectory.OtherRunException e) {
            if (resultsFollowed != null) resultsFollowed.close();
            throw new UserError(e.getMessage() + "; use --fresh to discard it, or another --dir");
        } catch (IllegalStateException | IOException e) {
            if (resultsFollowed != null) resultsFollowed.close();
            throw new UserError(e.getMessage());
        }
        Dashboard dashboard = noDashboard || metricsOptions.off ? null
                : new Dashboard(metrics, "gridlet.ingest.readings", QueryConfig.DEFAULT,
                        () -> job.autoscaler().orElse(null), sealed);
        Gateway gateway;
        try {
            Gateway.Settings gatewaySettings = new Gateway.Settings(policyText, ids,
                    new InetSocketAddress(bind, port), metrics, () -> !job.isDone()).boundary(boundary).tls(serverTls)
                    .clock(new DataClock.Limits(maxLateness, maxAhead, clockSkew, Duration.ofSeconds(idleAfter)));
            if (dashboard != null) {
                gatewaySettings = gatewaySettings.appended(dashboard::readings);
                dashboard.listenTo(ResultHub.named(hub));
            }
            gateway = Gateway.start(log, ResultHub.named(hub), gatewaySettings);
        } catch (LogCorruptedException e) {
            job.close();
            if (dashboard != null) dashboard.close();
            throw new UserError(e.getMessage()); // the log stays as it is, for gridlet log check / repair
        } catch (IOException e) {
            job.close();
            if (dashboard != null) dashboard.close();
            throw new UserError("cannot listen on " + bind + ":" + port + ": " + e.getMessage());
        }
        JobMeters jobMeters = new JobMeters(metrics, () -> job.run().progress());
        ServiceMeters.register(metrics, log, gateway::dataTime, jobMeters::gate);
        final MetricsEndpoint endpoint;
        try {
            endpoint = metricsOptions.start(metrics, "serve", err, dashboard);
        } catch (UserError e) {
            gateway.close();
            job.close();
            throw e;
        }
        AtomicReference<ProgressDisplay> shown = new AtomicReference<>();
        attachWhenRunning(job, jobMeters);
        if (autoscale != null ? autoscale : cluster == null) {
            ElasticityController.Settings controller = ElasticityController.Settings.defaults(scaleMin,
                    maxParallelism, FlinkRun.MAX_PARALLELISM);
            startAutoscaler(job, jobMeters, controller, ServiceMeters.lagSeconds(gateway::dataTime, jobMeters::gate),
                    maxLateness, change -> {
                        String line = "gridlet serve: " + FlinkEngine.describe(change);
                        ProgressDisplay p = shown.get();
                        if (p != null) p.event(line, err);
                        else err.println(line);
                    });
        }
        err.println("gridlet serve: listening on " + bind + ":" + gateway.port() + " (" + log.describe()
                + ", results in " + results + ", Flink REST on http://" + job.rest() + ")");
        ServerTlsOptions.announce(err, serverTls, bind);
        job.resumedFrom().ifPresent(c -> err.println("gridlet serve: the job resumed from its checkpoint "
                + c.getFileName() + "; --fresh starts the job over (the log is kept)"));
        err.println("gridlet serve: " + gateway.meters() + " meters known from the log; stop with Ctrl-C "
                + "(resumable), or end the data with gridlet meter --end-of-data");
        err.flush();

        CountDownLatch stopped = new CountDownLatch(1);
        AtomicBoolean stopping = new AtomicBoolean();
        Thread hook = new Thread(() -> {
            stopping.set(true);
            try {
                gateway.close();
                job.close();
                if (resultsFollowed != null) resultsFollowed.close();
                if (endpoint != null) endpoint.close();
            } catch (Exception e) {
                // stopping anyway
            } finally {
                stopped.countDown();
            }
        }, "gridlet-serve-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        long started = System.nanoTime();
        FlinkRun.Outcome outcome;
        try (ProgressDisplay progress = new ProgressDisplay(System.err, !quiet,
                () -> status(job, gateway, metrics, started))) {
            shown.set(progress);
            outcome = job.await(Duration.ofDays(365_000));
            shown.set(null);
        } catch (Exception e) {
            if (stopping.get()) {
                stopped.await();
                return 0; // Ctrl-C: the hook stopped everything, resumable
            }
            Runtime.getRuntime().removeShutdownHook(hook);
            gateway.close();
            if (resultsFollowed != null) resultsFollowed.close();
            if (endpoint != null) endpoint.close();
            throw e;
        }
        Runtime.getRuntime().removeShutdownHook(hook);
        if (resultsFollowed != null && !resultsFollowed.awaitEnd(Duration.ofSeconds(60))) {
            err.println("gridlet serve: the results topic was not followed to its end within 60 s: subscribers "
                    + "may have missed the last results (the files have them all)");
        }
        gateway.close();
        job.close(); // (finished: this stops its controller)
        if (resultsFollowed != null) resultsFollowed.close();
        if (endpoint != null) endpoint.close();
        Replay.Summary summary = RunReport.of(outcome);
        RunReport.writeRejections(summary, results);
        RunReport.print(out, summary, outcome.linesWritten(), results);
        printRefusals(out, metrics);
        if (resultsFollowed != null) {
            out.printf("results   %,d records followed from topic %s, %,d skipped (not results of this run), %,d "
                    + "failures%n", resultsFollowed.received(), resultsFrom, resultsFollowed.malformed(),
                    resultsFollowed.failures());
        }
        out.printf("disorder  readings reached the log up to %d s of data time after later ones of other meters "
                + "(data time is the watermark over meters: that costs no reading)%n", gateway.disorderSeconds());
        return 0;
    }

    /**
     * Starts the elasticity controller once the job runs (in the background), fed by the job's REST signals and
     * its lag behind the meters; growing lag above the lateness (what the job always trails by) is overload.
     */
    private static void startAutoscaler(LiveJob job, JobMeters meters, ElasticityController.Settings settings,
                                        DoubleSupplier lag, long maxLatenessSeconds,
                                        Consumer<Autoscaler.Change> changes) {
        Thread t = new Thread(() -> {
            try {
                meters.attach(job.autoscale(settings, lag, maxLatenessSeconds + 10, Duration.ofSeconds(2), changes));
            } catch (Exception e) {
                // the job never ran: nothing to scale, and the service says why it stopped
            }
        }, "gridlet-serve-autoscaler-start");
        t.setDaemon(true);
        t.start();
    }

    /** Gives the job's meters its REST API once the job runs (in the background: the service starts meanwhile). */
    private static void attachWhenRunning(LiveJob job, JobMeters meters) {
        Thread t = new Thread(() -> {
            try {
                meters.attach(new JobRest(job.rest(), job.job(Duration.ofMinutes(10)).getJobID().toHexString()));
            } catch (Exception e) {
                // the job never ran: its meters read NaN, and the service says why it stopped
            }
        }, "gridlet-serve-job-meters");
        t.setDaemon(true);
        t.start();
    }

    /** What the gateway refused (the job's own refusals are in the summary above). */
    private static void printRefusals(PrintWriter out, MeterRegistry metrics) {
        long total = 0;
        StringBuilder reasons = new StringBuilder();
        for (RejectReason r : RejectReason.values()) {
            long n = (long) metrics.counter("gridlet.ingest.readings", "outcome", "rejected-" + r.label()).count();
            if (n == 0) continue;
            total += n;
            reasons.append(reasons.length() == 0 ? "" : ", ").append(r.label()).append(' ').append(Figures.count(n));
        }
        long skipped = (long) metrics.counter("gridlet.ingest.sequence.skipped").count();
        out.printf("gateway   refused %s readings%s%s%n", Figures.count(total), total == 0 ? "" : " (" + reasons + ")",
                skipped == 0 ? "" : "; " + Figures.count(skipped) + " sequence numbers skipped by meters");
    }

    private static String status(LiveJob job, Gateway gateway, MeterRegistry metrics, long started) {
        double accepted = metrics.counter("gridlet.ingest.readings", "outcome", "accepted").count();
        GateCounts c = job.run().progress();
        long elapsed = System.nanoTime() - started;
        return "accepted " + Figures.count((long) accepted) + " readings (" + Figures.rate((long) accepted, elapsed)
                + ") from " + gateway.meters() + " meters, disorder " + gateway.disorderSeconds() + " s"
                + (c == null || c.lines() == 0 ? ""
                : "; job read " + Figures.count(c.lines()) + ", data time " + Figures.dataTime(c.dataTime()));
    }
}
