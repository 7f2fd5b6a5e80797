package io.gridlet.server.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The endpoint serves the registry as Prometheus text, and nothing else. */
class MetricsEndpointTest {
    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> call(String method, String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).method(method, HttpRequest.BodyPublishers.noBody())
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void servesTheRegistryAsPrometheusTextWithItsNamingConventions() throws Exception {
        PrometheusMeterRegistry registry = MetricsEndpoint.newRegistry();
        Counter c = Counter.builder("gridlet.test.readings").tag("outcome", "accepted").register(registry);
        AtomicLong size = new AtomicLong(4096);
        Gauge.builder("gridlet.test.size", size, AtomicLong::get).baseUnit("bytes").register(registry);
        try (MetricsEndpoint endpoint = MetricsEndpoint.start(registry, "127.0.0.1", 0)) {
            assertThat(endpoint.url()).isEqualTo("http://127.0.0.1:" + endpoint.port() + "/metrics");
            c.increment(3);
            HttpResponse<String> r = call("GET", endpoint.url());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type")).contains(MetricsEndpoint.CONTENT_TYPE);
            PrometheusText text = PrometheusText.parse(r.body());
            assertThat(text.types()).containsEntry("gridlet_test_readings_total", "counter")
                    .containsEntry("gridlet_test_size_bytes", "gauge");
            assertThat(text.value("gridlet_test_readings_total", "outcome", "accepted")).isEqualTo(3);
            assertThat(text.value("gridlet_test_size_bytes")).isEqualTo(4096);

            assertThat(call("GET", "http://127.0.0.1:" + endpoint.port() + "/").statusCode()).isEqualTo(404);
            assertThat(call("GET", "http://127.0.0.1:" + endpoint.port() + "/metrics/x").statusCode())
                    .isEqualTo(404);
            HttpResponse<String> post = call("POST", endpoint.url());
            assertThat(post.statusCode()).isEqualTo(405);
            assertThat(post.headers().firstValue("Allow")).contains("GET, HEAD");
            // a page elsewhere whose name was rebound to 127.0.0.1 is refused; this machine's own names are not
            assertThat(rawStatus(endpoint.port(), "evil.example")).isEqualTo(403);
            assertThat(rawStatus(endpoint.port(), "localhost:" + endpoint.port())).isEqualTo(200);
            assertThat(rawStatus(endpoint.port(), "127.0.0.1:" + endpoint.port())).isEqualTo(200);
            HttpResponse<String> head = call("HEAD", endpoint.url());
            assertThat(head.statusCode()).isEqualTo(200);
            assertThat(head.body()).isEmpty();
        }
    }

    /** The status of a GET of /metrics naming {@code host} (the JDK's client will not set Host itself). */
    private static int rawStatus(int port, String host) throws Exception {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
            s.getOutputStream().write(("GET /metrics HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String status = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(),
                    java.nio.charset.StandardCharsets.US_ASCII)).readLine();
            return Integer.parseInt(status.split(" ")[1]);
        }
    }

    @Test
    void theOracleRefusesWhatIsNotPrometheusText() {
        for (String bad : new String[] {"x 1\n", "# TYPE x counter\nx{a=b} 1\n", "# TYPE x counter\nx 1x\n",
                "# TYPE x counter\n# TYPE x gauge\n", "# TYPE x counter\nx{a=\"\\q\"} 1\n", "# TYPE x counter\nx 1"}) {
            assertThatThrownBy(() -> PrometheusText.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        PrometheusText ok = PrometheusText.parse("# HELP x_total what\n# TYPE x_total counter\n"
                + "x_total{a=\"q\\\"\\n\",b=\"\"} +Inf\n# TYPE y histogram\ny_bucket{le=\"0.5\"} 2 1700000000\n");
        assertThat(ok.samples()).hasSize(2);
        assertThat(ok.samples().get(0).labels()).containsEntry("a", "q\"\n");
    }
}
