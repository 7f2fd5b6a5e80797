package io.gridlet.server.cli;

import java.time.Instant;
import java.util.Locale;

/** How the command line prints counts, rates, durations and data times. */
final class Figures {
    private Figures() {
    }

    static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    static String rate(long n, long nanos) {
        double perSecond = nanos <= 0 ? 0 : n * 1e9 / nanos;
        if (perSecond >= 1e6) return String.format(Locale.ROOT, "%.2f M/s", perSecond / 1e6);
        if (perSecond >= 1e3) return String.format(Locale.ROOT, "%.1f k/s", perSecond / 1e3);
        return String.format(Locale.ROOT, "%.0f /s", perSecond);
    }

    static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.1f s", nanos / 1e9);
    }

    static String dataTime(long ts) {
        return ts == Long.MIN_VALUE ? "-" : Instant.ofEpochSecond(ts).toString();
    }
}
