package io.gridlet.flink.elastic;

import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The few calls of Flink's REST API that rescaling needs: the job's vertices and their parallelism, the
 * resource requirements the adaptive scheduler scales to ({@code PUT /jobs/:id/resource-requirements}), and the
 * vertices' busy and back-pressured time. JSON is read with Flink's own (shaded) Jackson.
 */
public final class JobRest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final String base;
    private final String jobId;

    /** One vertex (a chain of operators) of the job. */
    public record Vertex(String id, String name, int parallelism, int maxParallelism, String status) {
        /** Whether a rescale changes it: single-instance stages have max parallelism 1. */
        public boolean elastic() {
            return maxParallelism > 1;
        }
    }

    /** The job's state and vertices. */
    public record Job(String state, List<Vertex> vertices) {
        /** Parallelism of the elastic vertices (the largest, while a rescale is under way), or 0 if none. */
        public int parallelism() {
            int p = 0;
            for (Vertex v : vertices) if (v.elastic()) p = Math.max(p, v.parallelism());
            return p;
        }

        public boolean running() {
            return state.equals("RUNNING") && vertices.stream().allMatch(v -> v.status().equals("RUNNING")
                    || v.status().equals("FINISHED"));
        }

        /** Running, with every elastic vertex's tasks running at {@code parallelism}: a rescale to it is done. */
        public boolean runningAt(int parallelism) {
            return running() && vertices.stream().filter(Vertex::elastic)
                    .allMatch(v -> v.parallelism() == parallelism && v.status().equals("RUNNING"));
        }

        public boolean terminal() {
            return switch (state) {
                case "FINISHED", "FAILED", "CANCELED", "SUSPENDED" -> true;
                default -> false;
            };
        }
    }

    /** Busy and back-pressured time of a vertex, milliseconds per second averaged and maxed over its subtasks. */
    public record Load(double busyAvg, double busyMax, double backPressuredAvg, double backPressuredMax) {
    }

    public JobRest(String restAddress, String jobId) {
        this.base = restAddress.startsWith("http") ? restAddress : "http://" + restAddress;
        this.jobId = jobId;
    }

    public String jobId() {
        return jobId;
    }

    public Job job() throws IOException {
        JsonNode root = get("/jobs/" + jobId);
        List<Vertex> vertices = new ArrayList<>();
        for (JsonNode v : root.path("vertices")) {
            vertices.add(new Vertex(v.path("id").asText(), v.path("name").asText(), v.path("parallelism").asInt(),
                    v.path("maxParallelism").asInt(), v.path("status").asText()));
        }
        return new Job(root.path("state").asText(), vertices);
    }

    /**
     * Asks the adaptive scheduler to run every elastic vertex at {@code parallelism} (lower bound 1, upper bound
     * {@code parallelism}); single-instance vertices stay at 1. Returns at once: the rescale itself (a restart from
     * the latest checkpoint at the new parallelism) follows within a second or two.
     */
    public void rescale(int parallelism) throws IOException {
        if (parallelism < 1) throw new IllegalArgumentException("parallelism must be >= 1, got " + parallelism);
        Job job = job();
        ObjectNode body = JSON.createObjectNode();
        for (Vertex v : job.vertices()) {
            int upper = v.elastic() ? Math.min(parallelism, v.maxParallelism()) : 1;
            ObjectNode bounds = body.putObject(v.id()).putObject("parallelism");
            bounds.put("lowerBound", 1);
            bounds.put("upperBound", upper);
        }
        send(HttpRequest.newBuilder(URI.create(base + "/jobs/" + jobId + "/resource-requirements"))
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body.toString())));
    }

    /** The upper bound the scheduler scales the elastic vertices to (what was last asked for). */
    public int requestedParallelism() throws IOException {
        JsonNode root = get("/jobs/" + jobId + "/resource-requirements");
        Map<String, Integer> upper = new HashMap<>();
        root.fields().forEachRemaining(e -> upper.put(e.getKey(), e.getValue().path("parallelism")
                .path("upperBound").asInt()));
        int p = 0;
        for (Vertex v : job().vertices()) if (v.elastic()) p = Math.max(p, upper.getOrDefault(v.id(), 0));
        return p;
    }

    /** The load of one vertex, from its subtasks' metrics. */
    public Load load(String vertexId) throws IOException {
        JsonNode root = get("/jobs/" + jobId + "/vertices/" + vertexId
                + "/subtasks/metrics?get=busyTimeMsPerSecond,backPressuredTimeMsPerSecond&agg=avg,max");
        double busyAvg = 0, busyMax = 0, bpAvg = 0, bpMax = 0;
        for (JsonNode m : root) {
            switch (m.path("id").asText()) {
                case "busyTimeMsPerSecond" -> {
                    busyAvg = m.path("avg").asDouble();
                    busyMax = m.path("max").asDouble();
                }
                case "backPressuredTimeMsPerSecond" -> {
                    bpAvg = m.path("avg").asDouble();
                    bpMax = m.path("max").asDouble();
                }
                default -> { }
            }
        }
        return new Load(busyAvg, busyMax, bpAvg, bpMax);
    }

    /** Records a vertex took in and gave out so far, summed over its subtasks (since they last started). */
    public record Records(long in, long out) {
    }

    public Records records(String vertexId) throws IOException {
        JsonNode root = get("/jobs/" + jobId + "/vertices/" + vertexId
                + "/subtasks/metrics?get=numRecordsIn,numRecordsOut&agg=sum");
        long in = 0, out = 0;
        for (JsonNode m : root) {
            switch (m.path("id").asText()) {
                case "numRecordsIn" -> in = m.path("sum").asLong();
                case "numRecordsOut" -> out = m.path("sum").asLong();
                default -> { }
            }
        }
        return new Records(in, out);
    }

    /** Completed checkpoints so far, with their average duration and size. */
    public record Checkpoints(long completed, double averageMillis, double averageBytes) {
    }

    public Checkpoints checkpoints() throws IOException {
        JsonNode root = get("/jobs/" + jobId + "/checkpoints");
        JsonNode summary = root.path("summary");
        return new Checkpoints(root.path("counts").path("completed").asLong(),
                summary.path("end_to_end_duration").path("avg").asDouble(),
                summary.path("checkpointed_size").path("avg").asDouble());
    }

    /** How many times the job has restarted (after failures and rescales). */
    public long restarts() throws IOException {
        for (JsonNode m : get("/jobs/" + jobId + "/metrics?get=numRestarts")) {
            if (m.path("id").asText().equals("numRestarts")) return m.path("value").asLong();
        }
        return 0;
    }

    private JsonNode get(String path) throws IOException {
        return JSON.readTree(send(HttpRequest.newBuilder(URI.create(base + path)).GET()));
    }

    private String send(HttpRequest.Builder request) throws IOException {
        try {
            HttpResponse<String> response = http.send(request.timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 != 2) {
                throw new IOException("Flink REST " + response.request().method() + " " + response.request().uri()
                        + ": HTTP " + response.statusCode() + " " + response.body());
            }
            return response.body();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
