package io.gridlet.core.result;

import io.gridlet.core.model.PlugId;

/** Q1 output for one plug: the predicted load of the slice starting at {@code ts}, in milliwatts. */
public record PlugForecast(int sliceSeconds, long ts, PlugId plug, long predictedMilliwatts) {
}
