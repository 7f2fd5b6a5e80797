package io.gridlet.core.result;

/** Where the queries send their results, in the order the spec defines. */
public interface ResultSink {
    void plugForecast(PlugForecast forecast);

    void houseForecast(HouseForecast forecast);

    void outlierShare(OutlierShare share);

    /** A sink that drops everything (benchmarks, dry runs). */
    ResultSink DISCARD = new ResultSink() {
        @Override
        public void plugForecast(PlugForecast forecast) {
        }

        @Override
        public void houseForecast(HouseForecast forecast) {
        }

        @Override
        public void outlierShare(OutlierShare share) {
        }
    };
}
