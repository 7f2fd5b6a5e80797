package io.gridlet.core.result;

import io.gridlet.core.engine.QueryConfig;
import io.gridlet.core.model.Milli;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;

/** The spec's output files: their names, header lines and one CSV line per result. */
public final class ResultLines {
    public static final String PLUG_HEADER = "ts,house_id,household_id,plug_id,predicted_load";
    public static final String HOUSE_HEADER = "ts,house_id,predicted_load";
    public static final String OUTLIER_HEADER = "ts_start,ts_stop,house_id,household_id,percentage";

    private ResultLines() {
    }

    /** Every output file of a configuration with its header line, in a stable order (plug, house, outlier files). */
    public static Map<String, String> headers(QueryConfig config) {
        Map<String, String> files = new LinkedHashMap<>();
        for (int s : config.sliceSeconds()) files.put(plugFile(s), PLUG_HEADER);
        for (int s : config.sliceSeconds()) files.put(houseFile(s), HOUSE_HEADER);
        for (int w : config.windowSeconds()) files.put(outlierFile(w), OUTLIER_HEADER);
        return files;
    }

    /** A sink that turns every result into its file name and line, in the order they come. */
    public static ResultSink sink(BiConsumer<String, String> fileAndLine) {
        return new ResultSink() {
            @Override
            public void plugForecast(PlugForecast f) {
                fileAndLine.accept(plugFile(f.sliceSeconds()), line(f));
            }

            @Override
            public void houseForecast(HouseForecast f) {
                fileAndLine.accept(houseFile(f.sliceSeconds()), line(f));
            }

            @Override
            public void outlierShare(OutlierShare s) {
                fileAndLine.accept(outlierFile(s.windowSeconds()), line(s));
            }
        };
    }

    public static String plugFile(int sliceSeconds) {
        return FileNames.PLUG.of(sliceSeconds);
    }

    public static String houseFile(int sliceSeconds) {
        return FileNames.HOUSE.of(sliceSeconds);
    }

    public static String outlierFile(int windowSeconds) {
        return FileNames.OUTLIER.of(windowSeconds);
    }

    /**
     * A file name per size, made once (every result asks for its file's name: no string built per result). The
     * few sizes a run has are kept in a table that is replaced, never changed, so readers need no lock.
     */
    private enum FileNames {
        PLUG("q1-plug-"), HOUSE("q1-house-"), OUTLIER("q2-");

        private record Table(int[] sizes, String[] names) {
            String find(int seconds) {
                for (int i = 0; i < sizes.length; i++) if (sizes[i] == seconds) return names[i];
                return null;
            }
        }

        private final String prefix;
        private volatile Table table = new Table(new int[0], new String[0]);

        FileNames(String prefix) {
            this.prefix = prefix;
        }

        String of(int seconds) {
            String known = table.find(seconds);
            if (known != null) return known;
            String name = prefix + seconds + ".csv";
            synchronized (this) {
                Table t = table;
                known = t.find(seconds);
                if (known != null) return known;
                if (t.sizes.length < 64) {
                    int[] sizes = Arrays.copyOf(t.sizes, t.sizes.length + 1);
                    String[] names = Arrays.copyOf(t.names, t.names.length + 1);
                    sizes[t.sizes.length] = seconds;
                    names[t.names.length] = name;
                    table = new Table(sizes, names);
                }
            }
            return name;
        }
    }

    public static void append(StringBuilder sb, PlugForecast f) {
        sb.append(f.ts()).append(',').append(f.plug().house()).append(',').append(f.plug().household())
                .append(',').append(f.plug().plug()).append(',');
        Milli.append(sb, f.predictedMilliwatts());
    }

    public static void append(StringBuilder sb, HouseForecast f) {
        sb.append(f.ts()).append(',').append(f.house()).append(',');
        Milli.append(sb, f.predictedMilliwatts());
    }

    public static void append(StringBuilder sb, OutlierShare s) {
        sb.append(s.tsStart()).append(',').append(s.tsStop()).append(',').append(s.house()).append(',')
                .append(s.household()).append(',');
        Milli.append(sb, s.percentThousandths());
    }

    public static String line(PlugForecast f) {
        StringBuilder sb = new StringBuilder(64);
        append(sb, f);
        return sb.toString();
    }

    public static String line(HouseForecast f) {
        StringBuilder sb = new StringBuilder(48);
        append(sb, f);
        return sb.toString();
    }

    public static String line(OutlierShare s) {
        StringBuilder sb = new StringBuilder(64);
        append(sb, s);
        return sb.toString();
    }
}
