package io.gridlet.core.result;

import io.gridlet.core.engine.QueryConfig;

import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes every result to the spec's CSV files in one directory ({@code q1-plug-<S>.csv}, {@code q1-house-<S>.csv},
 * {@code q2-<W>.csv}), each with its header line, and counts the lines written to each.
 */
public final class ResultFiles implements ResultSink, Closeable {
    private final Map<Integer, Output> plugs = new LinkedHashMap<>();
    private final Map<Integer, Output> houses = new LinkedHashMap<>();
    private final Map<Integer, Output> outliers = new LinkedHashMap<>();
    private final StringBuilder line = new StringBuilder(96);

    private static final class Output {
        final String name;
        final Writer writer;
        long lines;

        Output(Path dir, String name, String header) throws IOException {
            this.name = name;
            this.writer = new BufferedWriter(Files.newBufferedWriter(dir.resolve(name), StandardCharsets.US_ASCII),
                    1 << 16);
            writer.write(header);
            writer.write('\n');
        }
    }

    public ResultFiles(Path dir, QueryConfig config) throws IOException {
        Files.createDirectories(dir);
        for (int s : config.sliceSeconds()) {
            plugs.put(s, new Output(dir, ResultLines.plugFile(s), ResultLines.PLUG_HEADER));
            houses.put(s, new Output(dir, ResultLines.houseFile(s), ResultLines.HOUSE_HEADER));
        }
        for (int w : config.windowSeconds()) {
            outliers.put(w, new Output(dir, ResultLines.outlierFile(w), ResultLines.OUTLIER_HEADER));
        }
    }

    @Override
    public void plugForecast(PlugForecast f) {
        line.setLength(0);
        ResultLines.append(line, f);
        write(plugs.get(f.sliceSeconds()));
    }

    @Override
    public void houseForecast(HouseForecast f) {
        line.setLength(0);
        ResultLines.append(line, f);
        write(houses.get(f.sliceSeconds()));
    }

    @Override
    public void outlierShare(OutlierShare s) {
        line.setLength(0);
        ResultLines.append(line, s);
        write(outliers.get(s.windowSeconds()));
    }

    private void write(Output out) {
        try {
            line.append('\n');
            out.writer.append(line);
            out.lines++;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + out.name, e);
        }
    }

    /** Lines written per file name (headers not counted), in a stable order. */
    public Map<String, Long> linesWritten() {
        Map<String, Long> result = new LinkedHashMap<>();
        for (Output o : outputs()) result.put(o.name, o.lines);
        return result;
    }

    private List<Output> outputs() {
        List<Output> all = new ArrayList<>(plugs.values());
        all.addAll(houses.values());
        all.addAll(outliers.values());
        return all;
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (Output o : outputs()) {
            try {
                o.writer.close();
            } catch (IOException e) {
                if (first == null) first = e;
            }
        }
        if (first != null) throw first;
    }
}
