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
                SealedBlock block = SealedBlock.readFrom(new DataInputStream(new ByteArrayInputStream(r)));
                if (block.count() != 1) { // the gateway logs readings one by one: a longer block was not its doing
                    out.accept(SourceRecord.rejected(n, RejectReason.UNOPENABLE, "a block of " + block.count()
                            + " sealed readings in the log, where each entry holds readings one by one",
                            "record " + n));
                    continue;
                }
                out.accept(SourceRecord.sealed(n, block));
            } catch (IOException | RuntimeException e) {
                out.accept(SourceRecord.rejected(n, RejectReason.UNOPENABLE, "not a sealed reading (" + e.getMessage() + ")",
                        "record " + n));
            }
        }
    }
}
