package io.gridlet.adaptlets;

import java.util.function.LongSupplier;

/**
 * A token bucket: {@code rate} tokens a second, at most {@code burst} saved up. Thread-safe. Work whose cost is
 * known only once done is admitted while a token is there ({@link #hasToken()}) and {@link #charge}d after; the
 * bucket may then be in debt, repaid at its rate.
 */
final class TokenBucket {
    private final double rate;
    private final double burst;
    private final LongSupplier nanoClock;
    private double tokens;
    private long last;

    TokenBucket(double rate, double burst, LongSupplier nanoClock) {
        this.rate = rate;
        this.burst = Math.max(1, burst);
        this.nanoClock = nanoClock;
        this.tokens = this.burst;
        this.last = nanoClock.getAsLong();
    }

    synchronized boolean tryTake() {
        refill();
        if (tokens < 1) return false;
        tokens -= 1;
        return true;
    }

    synchronized boolean hasToken() {
        refill();
        return tokens >= 1;
    }

    /** Takes {@code amount} tokens, whether they are there or not. */
    synchronized void charge(double amount) {
        refill();
        tokens -= amount;
    }

    /** How long until a token is there (0 if one is). */
    synchronized long millisUntilToken() {
        refill();
        return tokens >= 1 ? 0 : (long) Math.ceil((1 - tokens) / rate * 1000);
    }

    /** Whether the bucket has refilled completely: its owner has been quiet, and forgetting it loses nothing. */
    synchronized boolean isFull() {
        refill();
        return tokens >= burst;
    }

    double rate() {
        return rate;
    }

    private void refill() {
        long now = nanoClock.getAsLong();
        tokens = Math.min(burst, tokens + (now - last) / 1e9 * rate);
        last = now;
    }
}
