package io.gridlet.server.observe;

import io.gridlet.flink.operators.GateCounts;
import io.gridlet.log.IngestLog;
import io.gridlet.log.local.LocalLog;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.stream.Stream;

/** The live service's meters beyond the gateway's counters and the job's: the log's size, how far the job lags. */
public final class ServiceMeters {
    private ServiceMeters() {
    }

    /**
     * Registers {@code gridlet_log_size_bytes} (a local log's files; NaN for Kafka, whose broker reports its own)
     * and {@code gridlet_job_lag_seconds}: the gateway's data time less the job's (how far behind what the
     * meters sent the job's results are, in data time; NaN before both have one).
     */
    public static void register(MeterRegistry registry, IngestLog log, LongSupplier gatewayDataTime,
                                Supplier<GateCounts> job) {
        Gauge.builder("gridlet.log.size", log, ServiceMeters::bytes).baseUnit("bytes")
                .description("bytes of the ingest log on disk (local log only)").register(registry);
        DoubleSupplier lag = lagSeconds(gatewayDataTime, job);
        Gauge.builder("gridlet.job.lag", lag, DoubleSupplier::getAsDouble).baseUnit("seconds")
                .description("data time of the gateway less the job's").strongReference(true).register(registry);
    }

    /** The gateway's data time less the job's, in seconds (NaN before both have one): the job's lag. */
    public static DoubleSupplier lagSeconds(LongSupplier gatewayDataTime, Supplier<GateCounts> job) {
        return () -> {
            long service = gatewayDataTime.getAsLong();
            GateCounts c = job.get();
            if (service < 0 || c == null || c.dataTime() == Long.MIN_VALUE) return Double.NaN;
            return Math.max(0, service - c.dataTime());
        };
    }

    private static double bytes(IngestLog log) {
        if (!(log instanceof LocalLog local)) return Double.NaN;
        try (Stream<Path> files = Files.list(local.dir())) {
            return files.filter(Files::isRegularFile).mapToLong(f -> {
                try {
                    return Files.size(f);
                } catch (IOException e) {
                    return 0; // gone while counted
                }
            }).sum();
        } catch (IOException e) {
            return Double.NaN;
        }
    }
}
