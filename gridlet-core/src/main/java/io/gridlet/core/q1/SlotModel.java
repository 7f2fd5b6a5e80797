package io.gridlet.core.q1;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/** What one plug or house keeps of its completed slices, by slot of the day, to forecast the slice after next. */
interface SlotModel {
    /** A completed slice's average in its slot of the day. */
    void add(int slot, double average);

    /** The forecast of a slice in {@code slot}, made with the current slice's average so far. */
    double predict(double currentAverage, int slot);

    void writeTo(DataOutput out) throws IOException;

    void readFrom(DataInput in) throws IOException;
}
