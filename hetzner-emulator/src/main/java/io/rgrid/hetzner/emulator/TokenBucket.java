package io.rgrid.hetzner.emulator;

import java.util.function.LongSupplier;

/**
 * The reference's rate limit: a budget of {@code limit} requests that refills gradually ("increase by 1 every second"
 * for 3600/hour). Every request, authenticated or not, takes one token.
 */
final class TokenBucket {

    /** What one request saw: whether it was admitted and the values of the three RateLimit headers. */
    record Outcome(boolean admitted, long limit, long remaining, long resetEpochSecond) {
    }

    private final LongSupplier nanoClock;
    private final long wallOffsetNanos;
    private long limit;
    private double refillPerSecond;
    private double tokens;
    private long lastNanos;

    TokenBucket(long limit, double refillPerSecond, LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
        this.wallOffsetNanos = System.currentTimeMillis() * 1_000_000L - nanoClock.getAsLong();
        this.limit = limit;
        this.refillPerSecond = refillPerSecond;
        this.tokens = limit;
        this.lastNanos = nanoClock.getAsLong();
    }

    synchronized void configure(long newLimit, double newRefillPerSecond) {
        refill();
        this.limit = newLimit;
        this.refillPerSecond = newRefillPerSecond;
        this.tokens = newLimit;
    }

    synchronized Outcome take() {
        refill();
        boolean admitted = tokens >= 1.0;
        if (admitted) {
            tokens -= 1.0;
        }
        long remaining = (long) Math.floor(tokens);
        double missing = limit - tokens;
        long secondsToFull = refillPerSecond <= 0 ? 0 : (long) Math.ceil(missing / refillPerSecond);
        long nowEpochSecond = (nanoClock.getAsLong() + wallOffsetNanos) / 1_000_000_000L;
        return new Outcome(admitted, limit, remaining, nowEpochSecond + secondsToFull);
    }

    private void refill() {
        long now = nanoClock.getAsLong();
        double elapsed = (now - lastNanos) / 1e9;
        lastNanos = now;
        tokens = Math.min(limit, tokens + elapsed * refillPerSecond);
    }
}
