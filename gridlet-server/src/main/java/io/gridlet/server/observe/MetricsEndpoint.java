package io.gridlet.server.observe;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Prometheus text on {@code GET /metrics} from a local HTTP server (the JDK's): what {@code gridlet serve} and
 * {@code gridlet run} count, for a Prometheus server to scrape. One thread answers; a scrape reads the registry's
 * meters, a few of which ask Flink's REST API (at most once a second, see {@link JobMeters}). Anything but
 * {@code GET} or {@code HEAD} of {@code /metrics} is answered 404 or 405 with no body of the request read.
 */
public final class MetricsEndpoint implements AutoCloseable {
    /** The exposition format's content type (text format 0.0.4). */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final HttpServer server;
    private final ExecutorService worker;
    private final PrometheusMeterRegistry registry;

    private MetricsEndpoint(HttpServer server, ExecutorService worker, PrometheusMeterRegistry registry) {
        this.server = server;
        this.worker = worker;
        this.registry = registry;
    }

    /** A registry whose meters Prometheus names by its conventions (base units, {@code _total}). */
    public static PrometheusMeterRegistry newRegistry() {
        return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    }

    /**
     * Serves {@code registry} on {@code bind:port} (port 0: a free one).
     *
     * @throws IOException when it cannot listen there
     */
    public static MetricsEndpoint start(PrometheusMeterRegistry registry, String bind, int port) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(bind, port), 16);
        ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "gridlet-metrics-http");
            t.setDaemon(true);
            return t;
        });
        MetricsEndpoint endpoint = new MetricsEndpoint(server, worker, registry);
        server.createContext("/", endpoint::handle);
        server.setExecutor(worker);
        server.start();
        return endpoint;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            if (!exchange.getRequestURI().getPath().equals("/metrics")) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            if (!method.equals("GET") && !method.equals("HEAD")) {
                exchange.getResponseHeaders().add("Allow", "GET, HEAD");
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", CONTENT_TYPE);
            exchange.getResponseHeaders().add("Cache-Control", "no-store");
            if (method.equals("HEAD")) {
                exchange.sendResponseHeaders(200, -1);
                return;
            }
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Where to scrape, as printed. */
    public String url() {
        String host = server.getAddress().getHostString();
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port() + "/metrics";
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    @Override
    public void close() {
        server.stop(0);
        worker.shutdownNow();
    }
}
