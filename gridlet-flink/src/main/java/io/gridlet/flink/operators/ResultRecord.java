package io.gridlet.flink.operators;

import io.gridlet.core.result.HouseForecast;
import io.gridlet.core.result.OutlierShare;
import io.gridlet.core.result.PlugForecast;
import io.gridlet.core.result.ResultLines;

import java.util.Comparator;

/**
 * One result line on its way to its output file, with the key that puts the lines of parallel operators back in
 * the core's order: {@code order} is the Q1 boundary that emitted the line (Q2: the evaluated timestamp), then the
 * ids. Each operator instance emits in that order, so files are a merge of sorted runs.
 */
public record ResultRecord(String file, long order, long house, long household, long plug, String line) {

    public static final Comparator<ResultRecord> ORDER = Comparator.comparingLong(ResultRecord::order)
            .thenComparingLong(ResultRecord::house)
            .thenComparingLong(ResultRecord::household)
            .thenComparingLong(ResultRecord::plug);

    public static ResultRecord of(long boundary, PlugForecast f) {
        return new ResultRecord(ResultLines.plugFile(f.sliceSeconds()), boundary, f.plug().house(),
                f.plug().household(), f.plug().plug(), ResultLines.line(f));
    }

    public static ResultRecord of(long boundary, HouseForecast f) {
        return new ResultRecord(ResultLines.houseFile(f.sliceSeconds()), boundary, f.house(), 0, 0,
                ResultLines.line(f));
    }

    public static ResultRecord of(OutlierShare s) {
        return new ResultRecord(ResultLines.outlierFile(s.windowSeconds()), s.tsStop(), s.house(), s.household(), 0,
                ResultLines.line(s));
    }
}
