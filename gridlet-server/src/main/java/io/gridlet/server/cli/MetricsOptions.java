package io.gridlet.server.cli;

import io.gridlet.server.observe.Dashboard;
import io.gridlet.server.observe.MetricsEndpoint;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;

/** Where {@code serve} and {@code run} serve their metrics (Prometheus text on {@code /metrics}). */
final class MetricsOptions {
    @Option(names = "--metrics-port", paramLabel = "PORT", defaultValue = "0",
            description = "Port of the metrics endpoint, http://BIND:PORT/metrics in Prometheus text (default: "
                    + "${DEFAULT-VALUE}, any free port; the URL is printed). gridlet run serves it with the Flink "
                    + "engine only.")
    int port;

    @Option(names = "--metrics-bind", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
            description = "Address of the metrics endpoint (default: ${DEFAULT-VALUE}: this machine only; it needs "
                    + "no credentials, so expose it only to a network whose Prometheus may read it).")
    String bind;

    @Option(names = "--no-metrics", description = "No metrics endpoint (and no dashboard).")
    boolean off;

    /** Starts the endpoint (with the dashboard, if one), and says where it is; null with --no-metrics. */
    MetricsEndpoint start(PrometheusMeterRegistry registry, String command, PrintWriter err, Dashboard dashboard) {
        if (off) {
            if (dashboard != null) dashboard.close();
            return null;
        }
        if (port < 0 || port > 65_535) {
            if (dashboard != null) dashboard.close();
            throw new UserError("--metrics-port must be 0..65535");
        }
        try {
            MetricsEndpoint endpoint = MetricsEndpoint.start(registry, bind, port, dashboard);
            err.println("gridlet " + command + ": metrics on " + endpoint.url()
                    + (dashboard == null ? "" : ", dashboard on " + endpoint.dashboardUrl()));
            return endpoint;
        } catch (IOException | RuntimeException e) {
            if (dashboard != null) dashboard.close();
            throw new UserError("cannot serve metrics on " + bind + ":" + port + ": " + e.getMessage());
        }
    }
}
