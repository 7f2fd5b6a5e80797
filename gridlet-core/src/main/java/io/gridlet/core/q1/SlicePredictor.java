package io.gridlet.core.q1;

/**
 * Q1's formula for one plug or house at one slice size:
 * {@code predicted(s_{i+2}) = (avgLoad(s_i) + median{avgLoad(s_j)}) / 2} over the same slot on earlier days,
 * or {@code avgLoad(s_i)} when there is no such history.
 */
final class SlicePredictor {
    private SlicePredictor() {
    }

    /** The prediction in milliwatts from the current average (mW) and the history median (NaN if none). */
    static double predict(double currentAverage, double historyMedian) {
        return Double.isNaN(historyMedian) ? currentAverage : (currentAverage + historyMedian) / 2.0;
    }
}
