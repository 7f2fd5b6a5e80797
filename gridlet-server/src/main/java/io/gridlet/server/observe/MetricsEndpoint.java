package io.gridlet.server.observe;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Prometheus text on {@code GET /metrics} from a local HTTP server (the JDK's): what {@code gridlet serve} and
 * {@code gridlet run} count, for a Prometheus server to scrape; with a {@link Dashboard}, its page on {@code /}. One thread answers; a scrape reads the registry's
 * meters (the job's as last read, see {@link JobMeters}). Two workers answer, a request must arrive within 10 s;
 * only {@code GET} and {@code HEAD} are answered (404 for other paths, 405 for other methods, 403 for a request
 * to a loopback server naming another host), with no body of the request read.
 */
public final class MetricsEndpoint implements AutoCloseable {
    private static final int WORKERS = 2;

    static {
        // the JDK's server waits for a slow client without end unless told otherwise: a request must arrive whole
        // within 10 s and a response be taken within 30 s (read once, when the server is first used)
        if (System.getProperty("sun.net.httpserver.maxReqTime") == null) {
            System.setProperty("sun.net.httpserver.maxReqTime", "10");
        }
        if (System.getProperty("sun.net.httpserver.maxRspTime") == null) {
            System.setProperty("sun.net.httpserver.maxRspTime", "30");
        }
    }

    /** The exposition format's content type (text format 0.0.4). */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final HttpServer server;
    private final ExecutorService worker;
    private final PrometheusMeterRegistry registry;
    private final Dashboard dashboard;

    private MetricsEndpoint(HttpServer server, ExecutorService worker, PrometheusMeterRegistry registry,
                            Dashboard dashboard) {
        this.server = server;
        this.worker = worker;
        this.registry = registry;
        this.dashboard = dashboard;
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
        return start(registry, bind, port, null);
    }

    /**
     * Serves {@code registry} on {@code bind:port}, and with a dashboard its page on {@code /} (its script, uPlot
     * from the bundled webjar, and its state as JSON on {@code /api/state}).
     */
    public static MetricsEndpoint start(PrometheusMeterRegistry registry, String bind, int port, Dashboard dashboard)
            throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(bind, port), 16);
        ExecutorService worker = new java.util.concurrent.ThreadPoolExecutor(WORKERS, WORKERS, 0,
                java.util.concurrent.TimeUnit.SECONDS, new java.util.concurrent.ArrayBlockingQueue<>(64), r -> {
                    Thread t = new Thread(r, "gridlet-metrics-http");
                    t.setDaemon(true);
                    return t;
                }, new java.util.concurrent.ThreadPoolExecutor.DiscardPolicy()); // (past 64 waiting: dropped)
        MetricsEndpoint endpoint = new MetricsEndpoint(server, worker, registry, dashboard);
        server.createContext("/", endpoint::handle);
        server.setExecutor(worker);
        server.start();
        return endpoint;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getPath();
            if (!hostAllowed(exchange.getRequestHeaders().getFirst("Host"))) { // DNS rebinding: a page elsewhere
                exchange.sendResponseHeaders(403, -1);
                return;
            }
            byte[] body;
            String type;
            if (path.equals("/metrics")) {
                body = null;
                type = CONTENT_TYPE;
            } else if (dashboard != null && path.equals("/api/state")) {
                body = null;
                type = "application/json";
            } else {
                Asset asset = dashboard == null ? null : ASSETS.get(path);
                if (asset == null) {
                    exchange.sendResponseHeaders(404, -1);
                    return;
                }
                body = asset.bytes();
                type = asset.type();
            }
            if (!method.equals("GET") && !method.equals("HEAD")) {
                exchange.getResponseHeaders().add("Allow", "GET, HEAD");
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            if (body == null) {
                body = (path.equals("/metrics") ? registry.scrape() : state(exchange.getRequestURI().getRawQuery()))
                        .getBytes(StandardCharsets.UTF_8);
            }
            exchange.getResponseHeaders().add("Content-Type", type);
            exchange.getResponseHeaders().add("Cache-Control", "no-store");
            exchange.getResponseHeaders().add("X-Content-Type-Options", "nosniff");
            // the page loads nothing from elsewhere, and nothing may frame it
            exchange.getResponseHeaders().add("Content-Security-Policy", "default-src 'self'; style-src 'self' "
                    + "'unsafe-inline'; frame-ancestors 'none'");
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

    /**
     * On a loopback address, only requests that name it (or localhost) as their host are answered: a web page
     * from elsewhere, whose name was rebound to 127.0.0.1, cannot read the dashboard through the user's browser.
     */
    private boolean hostAllowed(String host) {
        if (!server.getAddress().getAddress().isLoopbackAddress()) return true;
        if (host == null) return true; // (HTTP/1.0 clients, e.g. some scrapers)
        String name = host.startsWith("[") ? host.substring(0, host.indexOf(']') + 1)
                : host.contains(":") ? host.substring(0, host.indexOf(':')) : host;
        return name.equals("localhost") || name.equals("127.0.0.1") || name.equals("[::1]")
                || name.equals(server.getAddress().getHostString());
    }

    /** The dashboard's state for {@code house=H&slice=S} (bad or missing values: the first house, 900 s). */
    private String state(String query) {
        long house = -1;
        int slice = 900;
        if (query != null && query.length() <= 200) {
            for (String pair : query.split("&")) {
                String[] kv = pair.split("=", 2);
                try {
                    if (kv.length == 2 && kv[0].equals("house")) house = Long.parseLong(kv[1]);
                    if (kv.length == 2 && kv[0].equals("slice")) slice = Integer.parseInt(kv[1]);
                } catch (NumberFormatException e) {
                    // the default
                }
            }
        }
        return dashboard.state(house, slice);
    }

    /** A file of the page, from the jar. */
    private record Asset(byte[] bytes, String type) {
    }

    private static final Map<String, Asset> ASSETS = assets();

    private static Map<String, Asset> assets() {
        Map<String, Asset> assets = new HashMap<>();
        String uplot = "META-INF/resources/webjars/uplot/" + webjarVersion() + "/dist/";
        assets.put("/", resource("io/gridlet/server/observe/dashboard.html", "text/html; charset=utf-8"));
        assets.put("/dashboard.js", resource("io/gridlet/server/observe/dashboard.js",
                "text/javascript; charset=utf-8"));
        assets.put("/assets/uPlot.iife.min.js", resource(uplot + "uPlot.iife.min.js", "text/javascript; charset=utf-8"));
        assets.put("/favicon.ico", new Asset(new byte[0], "image/x-icon")); // (a browser asks for one)
        assets.put("/assets/uPlot.min.css", resource(uplot + "uPlot.min.css", "text/css; charset=utf-8"));
        return Map.copyOf(assets);
    }

    private static String webjarVersion() {
        Properties p = new Properties();
        try (InputStream in = MetricsEndpoint.class.getClassLoader().getResourceAsStream(
                "META-INF/maven/org.webjars.npm/uplot/pom.properties")) {
            if (in == null) throw new IllegalStateException("the uPlot webjar is not on the class path");
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p.getProperty("version");
    }

    private static Asset resource(String name, String type) {
        try (InputStream in = MetricsEndpoint.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException(name + " is not in the jar");
            return new Asset(in.readAllBytes(), type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
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

    /** The dashboard's address (null without one). */
    public String dashboardUrl() {
        return dashboard == null ? null : url().replace("/metrics", "/");
    }

    @Override
    public void close() {
        server.stop(0);
        worker.shutdownNow();
        if (dashboard != null) dashboard.close();
    }
}
