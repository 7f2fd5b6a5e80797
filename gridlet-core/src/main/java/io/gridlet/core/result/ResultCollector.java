package io.gridlet.core.result;


import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Keeps every result as the line it would be in its output file, by file name. For tests and comparisons. */
public final class ResultCollector implements ResultSink {
    private final Map<String, List<String>> lines = new TreeMap<>();
    private final ResultSink asLines = ResultLines.sink(this::add);

    @Override
    public synchronized void plugForecast(PlugForecast f) {
        asLines.plugForecast(f);
    }

    @Override
    public synchronized void houseForecast(HouseForecast f) {
        asLines.houseForecast(f);
    }

    @Override
    public synchronized void outlierShare(OutlierShare s) {
        asLines.outlierShare(s);
    }

    private void add(String file, String line) {
        lines.computeIfAbsent(file, k -> new ArrayList<>()).add(line);
    }

    /** Lines by file name (without header lines); files with no line are absent. */
    public synchronized Map<String, List<String>> lines() {
        Map<String, List<String>> copy = new TreeMap<>();
        lines.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        return copy;
    }
}
