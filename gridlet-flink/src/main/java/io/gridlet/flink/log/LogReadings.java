package io.gridlet.flink.log;

import io.gridlet.core.csv.RejectReason;
import io.gridlet.core.model.Measurement;
import io.gridlet.enclave.sealing.SealedBlock;
import io.gridlet.flink.source.SourceRecord;
import io.gridlet.log.LogRecord;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/** A log entry's readings as the order gate takes them; shared by the sources over either kind of log. */
final class LogReadings {
    private LogReadings() {
    }

    /**
     * Emits the service's data time the entry carries, if it carries one (the data time its readings were checked
     * against: none of them is older than it minus the lateness); then the entry's readings, numbered by
     * {@code line}: plain readings, or sealed ones still sealed (a sealed reading that is not one is refused here,
     * counted by the gate).
     */
    static void emit(LogRecord entry, LongSupplier line, Consumer<SourceRecord> out) {
        if (entry.hasDataTime()) out.accept(SourceRecord.clock(entry.dataTime()));
        readings(entry, line, out);
    }

    private static void readings(LogRecord entry, LongSupplier line, Consumer<SourceRecord> out) {
        if (!entry.isSealed()) {
            for (Measurement m : entry.readings()) out.accept(SourceRecord.reading(line.getAsLong(), m, false));
            return;
        }
        for (byte[] r : entry.sealed()) {
            long n = line.getAsLong();
            try {
                out.accept(SourceRecord.sealed(n, SealedBlock.readFrom(new DataInputStream(new ByteArrayInputStream(r)))));
            } catch (IOException | RuntimeException e) {
                out.accept(SourceRecord.rejected(n, RejectReason.UNOPENABLE, "not a sealed reading (" + e.getMessage() + ")",
                        "record " + n));
            }
        }
    }
}
