package io.gridlet.bench;

import io.gridlet.core.engine.QueryEngine;
import io.gridlet.core.model.Measurement;
import io.gridlet.core.model.Property;
import io.gridlet.core.q1.LoadForecast;
import io.gridlet.core.q2.OutlierDetection;
import io.gridlet.core.result.ResultSink;

/**
 * Replays parsed columns into one query, with every timestamp moved by {@code shift} seconds, so that the same
 * hour of data can be fed again and again to a query whose state keeps moving forward in time. Each replay
 * drives the query the way {@link QueryEngine} does (boundaries / evaluations before a later timestamp).
 */
final class Feed {
    private Feed() {
    }

    static void loadForecast(LoadForecast q1, DebsShapedData.Columns c, long shift, ResultSink sink) {
        long dataTime = c.ts[0] + shift - 1;
        for (int i = 0; i < c.size; i++) {
            long ts = c.ts[i] + shift;
            if (ts > dataTime) {
                q1.crossBoundaries(dataTime, ts, sink);
                dataTime = ts;
            }
            if (c.load[i]) q1.add(c.house[i], c.household[i], c.plug[i], c.milli[i]);
        }
    }

    static void outlierDetection(OutlierDetection q2, DebsShapedData.Columns c, long shift, ResultSink sink) {
        long dataTime = Long.MIN_VALUE;
        for (int i = 0; i < c.size; i++) {
            long ts = c.ts[i] + shift;
            if (ts > dataTime) {
                if (dataTime != Long.MIN_VALUE) q2.evaluate(dataTime, sink);
                dataTime = ts;
            }
            if (c.load[i]) q2.add(ts, c.house[i], c.household[i], c.plug[i], (int) c.milli[i]);
        }
    }

    static void engine(QueryEngine engine, DebsShapedData.Columns c, long shift) {
        for (int i = 0; i < c.size; i++) {
            engine.accept(new Measurement(i, c.ts[i] + shift, c.milli[i],
                    c.load[i] ? Property.LOAD : Property.WORK,
                    c.plug[i], c.household[i], c.house[i]));
        }
    }
}
