package io.gridlet.core.result;

/** Q1 output for one house: the predicted load of the slice starting at {@code ts}, in milliwatts. */
public record HouseForecast(int sliceSeconds, long ts, long house, long predictedMilliwatts) {
}
