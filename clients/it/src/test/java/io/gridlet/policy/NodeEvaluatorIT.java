package io.gridlet.policy;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Node meter's policy evaluator (clients/node/lib/policy.js) against the Java one (Semantics), the definition: on
 * random policies of the whole language (OracleTest's generator, written as text by PolicyText), every configuration
 * of their features and several sessions' inputs, both count the same violations of each policy.
 */
class NodeEvaluatorIT {
    @Test
    void theNodeEvaluatorAgreesWithSemanticsOnRandomPolicies() throws Exception {
        Random random = new Random(19);
        List<Configuration> all = OracleTest.configurations(new ArrayList<>(OracleTest.ALL.values()));
        StringBuilder cases = new StringBuilder();
        List<String> expected = new ArrayList<>();
        List<String> what = new ArrayList<>();
        for (int round = 0; round < 150; round++) {
            Policy p = OracleTest.randomPolicy(random, "p" + round);
            String text = PolicyText.write(p);
            for (Configuration c : all) {
                if (random.nextInt(8) != 0) continue; // a sample: every configuration of every policy is too many
                for (Map<String, Double> in : OracleTest.SESSIONS) {
                    cases.append("{\"text\":").append(json(text)).append(",\"configuration\":").append(json(c))
                            .append(",\"inputs\":").append(json(in)).append("}\n");
                    expected.add(String.valueOf(Semantics.violations(p, c, in).size()));
                    what.add(text + "\n  at " + c + " " + in);
                }
            }
        }
        Process node = new ProcessBuilder("node", Path.of(System.getProperty("gridlet.node")).resolve("..")
                .resolve("it/src/test/node/evaluate.mjs").normalize().toString()).redirectErrorStream(false).start();
        Thread feed = new Thread(() -> {
            try (var out = node.getOutputStream()) {
                out.write(cases.toString().getBytes(StandardCharsets.UTF_8));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        feed.start();
        List<String> got = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        assertThat(node.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(node.exitValue()).as(new String(node.getErrorStream().readAllBytes(), StandardCharsets.UTF_8))
                .isZero();
        assertThat(got).hasSameSizeAs(expected);
        List<String> differ = new ArrayList<>();
        for (int i = 0; i < got.size(); i++) {
            if (!got.get(i).equals(expected.get(i))) {
                differ.add("Java " + expected.get(i) + ", Node " + got.get(i) + ": " + what.get(i));
            }
        }
        assertThat(differ).as("%d cases", got.size()).isEmpty();
        assertThat(got.size()).isGreaterThan(1_000);
    }

    private static String json(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char ch : s.toCharArray()) {
            if (ch == '"' || ch == '\\') b.append('\\').append(ch);
            else if (ch < 0x20) b.append(String.format("\\u%04x", (int) ch));
            else b.append(ch);
        }
        return b.append('"').toString();
    }

    private static String json(Configuration c) {
        StringBuilder b = new StringBuilder("{");
        c.features().forEach((f, params) -> {
            if (b.length() > 1) b.append(',');
            b.append(json(f)).append(":{");
            int n = 0;
            for (Map.Entry<String, Object> e : params.entrySet()) {
                if (n++ > 0) b.append(',');
                Object v = e.getValue();
                b.append(json(e.getKey())).append(":");
                if (v instanceof Integer i) b.append("{\"type\":\"int\",\"value\":").append(i).append('}');
                else if (v instanceof Boolean x) b.append("{\"type\":\"bool\",\"value\":").append(x).append('}');
                else if (v instanceof Double d) {
                    b.append("{\"type\":\"real\",\"bits\":\"").append(Double.doubleToRawLongBits(d)).append("\"}");
                } else b.append("{\"type\":\"enum\",\"value\":").append(json((String) v)).append('}');
            }
            b.append('}');
        });
        return b.append('}').toString();
    }

    private static String json(Map<String, Double> inputs) {
        StringBuilder b = new StringBuilder("{");
        inputs.forEach((k, v) -> {
            if (b.length() > 1) b.append(',');
            b.append(json(k)).append(':').append(v);
        });
        return b.append('}').toString();
    }
}
