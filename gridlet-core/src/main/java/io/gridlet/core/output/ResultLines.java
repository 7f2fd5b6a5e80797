package io.gridlet.core.output;

import io.gridlet.core.model.Milli;
import io.gridlet.core.result.HouseForecast;
import io.gridlet.core.result.OutlierShare;
import io.gridlet.core.result.PlugForecast;

/** The spec's output files: their names, header lines and one CSV line per result. */
public final class ResultLines {
    public static final String PLUG_HEADER = "ts,house_id,household_id,plug_id,predicted_load";
    public static final String HOUSE_HEADER = "ts,house_id,predicted_load";
    public static final String OUTLIER_HEADER = "ts_start,ts_stop,house_id,household_id,percentage";

    private ResultLines() {
    }

    /** Every output file of a configuration with its header line, in a stable order (plug, house, outlier files). */
    public static java.util.Map<String, String> headers(io.gridlet.core.engine.QueryConfig config) {
        java.util.Map<String, String> files = new java.util.LinkedHashMap<>();
        for (int s : config.sliceSeconds()) files.put(plugFile(s), PLUG_HEADER);
        for (int s : config.sliceSeconds()) files.put(houseFile(s), HOUSE_HEADER);
        for (int w : config.windowSeconds()) files.put(outlierFile(w), OUTLIER_HEADER);
        return files;
    }

    /** A sink that turns every result into its file name and line, in the order they come. */
    public static io.gridlet.core.result.ResultSink sink(java.util.function.BiConsumer<String, String> fileAndLine) {
        return new io.gridlet.core.result.ResultSink() {
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
        return "q1-plug-" + sliceSeconds + ".csv";
    }

    public static String houseFile(int sliceSeconds) {
        return "q1-house-" + sliceSeconds + ".csv";
    }

    public static String outlierFile(int windowSeconds) {
        return "q2-" + windowSeconds + ".csv";
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
