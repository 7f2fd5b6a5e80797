package io.gridlet.server.observe;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reader of Prometheus' text exposition format 0.0.4, written from its definition for the tests (an
 * oracle independent of the registry that writes it): every line a {@code # HELP}, a {@code # TYPE} or a sample;
 * metric and label names as the format allows, label values quoted with its three escapes, values as Go parses
 * floats (and NaN, +Inf, -Inf); each sample of a family whose TYPE came before it ({@code _total},
 * {@code _bucket}, {@code _sum}, {@code _count}, {@code _created}, {@code _max} belong to their family); no
 * family typed twice. Anything else is an IllegalArgumentException naming the line.
 */
public final class PrometheusText {
    /** One sample: its name, its labels and its value. */
    public record Sample(String name, Map<String, String> labels, double value) {
    }

    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");
    private static final String[] SUFFIXES = {"_total", "_bucket", "_sum", "_count", "_created", "_max"};

    private final Map<String, String> types = new LinkedHashMap<>();
    private final List<Sample> samples = new ArrayList<>();

    private PrometheusText() {
    }

    public static PrometheusText parse(String text) {
        PrometheusText p = new PrometheusText();
        int n = 0;
        for (String line : text.split("\n", -1)) {
            n++;
            if (line.isEmpty()) continue;
            try {
                p.line(line);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("line " + n + " [" + line + "]: " + e.getMessage(), e);
            }
        }
        if (!text.isEmpty() && !text.endsWith("\n")) throw new IllegalArgumentException("no newline at the end");
        return p;
    }

    private void line(String line) {
        if (line.startsWith("#")) {
            String[] parts = line.split(" ", 4);
            if (parts.length >= 3 && parts[1].equals("TYPE")) {
                require(NAME.matcher(parts[2]).matches(), "bad metric name " + parts[2]);
                require(parts.length == 4 && TYPES.contains(parts[3]), "bad type");
                require(types.put(parts[2], parts[3]) == null, "family " + parts[2] + " typed twice");
            } else if (parts.length >= 3 && parts[1].equals("HELP")) {
                require(NAME.matcher(parts[2]).matches(), "bad metric name " + parts[2]);
            }
            return; // other comments are allowed
        }
        Matcher name = NAME.matcher(line);
        require(name.lookingAt(), "no metric name");
        String metric = name.group();
        int at = name.end();
        Map<String, String> labels = new LinkedHashMap<>();
        if (at < line.length() && line.charAt(at) == '{') {
            at++;
            while (line.charAt(at) != '}') {
                Matcher label = LABEL_NAME.matcher(line).region(at, line.length());
                require(label.lookingAt(), "bad label name");
                at = label.end();
                require(line.charAt(at) == '=' && line.charAt(at + 1) == '"', "label without =\"");
                at += 2;
                StringBuilder value = new StringBuilder();
                for (char c = line.charAt(at); c != '"'; c = line.charAt(at)) {
                    if (c == '\\') {
                        char e = line.charAt(++at);
                        require(e == '\\' || e == '"' || e == 'n', "bad escape \\" + e);
                        value.append(e == 'n' ? '\n' : e);
                    } else {
                        value.append(c);
                    }
                    at++;
                }
                at++;
                require(labels.put(label.group(), value.toString()) == null, "label repeated");
                if (line.charAt(at) == ',') at++;
            }
            at++;
        }
        require(line.charAt(at) == ' ', "no space before the value");
        String[] rest = line.substring(at + 1).split(" ");
        require(rest.length == 1 || rest.length == 2 && rest[1].matches("-?[0-9]+"), "bad value or timestamp");
        double value = switch (rest[0]) {
            case "NaN" -> Double.NaN;
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            default -> {
                require(rest[0].matches("[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?"), "bad value");
                yield Double.parseDouble(rest[0]);
            }
        };
        require(types.containsKey(family(metric)), "sample before its family's TYPE");
        samples.add(new Sample(metric, labels, value));
    }

    private String family(String metric) {
        if (types.containsKey(metric)) return metric;
        for (String suffix : SUFFIXES) {
            if (metric.endsWith(suffix)) {
                String base = metric.substring(0, metric.length() - suffix.length());
                if (types.containsKey(base)) return base;
            }
        }
        return metric;
    }

    private static void require(boolean ok, String why) {
        if (!ok) throw new IllegalArgumentException(why);
    }

    public Map<String, String> types() {
        return types;
    }

    public List<Sample> samples() {
        return samples;
    }

    /** The samples of this name whose labels include {@code labels} (name, value, ...). */
    public List<Sample> samples(String name, String... labels) {
        List<Sample> found = new ArrayList<>();
        for (Sample s : samples) {
            if (!s.name().equals(name)) continue;
            boolean all = true;
            for (int i = 0; i < labels.length; i += 2) all &= labels[i + 1].equals(s.labels().get(labels[i]));
            if (all) found.add(s);
        }
        return found;
    }

    /** The value of the one sample of this name with these labels. */
    public double value(String name, String... labels) {
        List<Sample> found = samples(name, labels);
        if (found.size() != 1) {
            throw new AssertionError(found.size() + " samples " + name + " " + String.join(",", labels));
        }
        return found.get(0).value();
    }
}
