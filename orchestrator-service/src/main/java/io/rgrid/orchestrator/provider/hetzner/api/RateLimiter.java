package io.rgrid.orchestrator.provider.hetzner.api;

import java.time.Duration;
import java.time.Instant;

/**
 * The client's side of Hetzner's rate limit (3,600 requests per project and hour, refilled at one
 * per second): a token bucket of {@code requestsPerHour} refilled at {@code requestsPerHour / 3600}
 * per second, so this orchestrator never bursts past its budget on its own, lowered to the
 * server's {@code RateLimit-Remaining} whenever that is lower (another client shares the token),
 * and emptied by a 429, after which the next request waits: 1 s, 2 s, 4 s ... up to 60 s, or until
 * {@code RateLimit-Reset} when that comes sooner.
 */
public final class RateLimiter {

    private static final Duration MAX_BACKOFF = Duration.ofSeconds(60);

    private final double capacity;
    private final double refillPerSecond;
    private double tokens;
    private long refilledAtNanos;
    private Instant notBefore = Instant.MIN;
    private long throttled;

    public RateLimiter(int requestsPerHour) {
        if (requestsPerHour < 1) {
            throw new IllegalArgumentException("rgrid.orchestrator.hetzner.requests-per-hour must be at least 1, got "
                    + requestsPerHour);
        }
        this.capacity = requestsPerHour;
        this.refillPerSecond = requestsPerHour / 3600.0;
        this.tokens = capacity;
        this.refilledAtNanos = System.nanoTime();
    }

    /**
     * Takes one request's budget, waiting for it up to {@code deadline}.
     *
     * @throws RateLimitWaitExceeded when the budget does not come back before the deadline
     */
    public void acquire(Instant deadline) throws InterruptedException {
        while (true) {
            long waitMillis;
            synchronized (this) {
                refill();
                Instant now = Instant.now();
                if (now.isBefore(notBefore)) {
                    waitMillis = Duration.between(now, notBefore).toMillis() + 1;
                } else if (tokens >= 1) {
                    tokens -= 1;
                    return;
                } else {
                    waitMillis = (long) Math.ceil((1 - tokens) / refillPerSecond * 1000);
                }
            }
            if (Instant.now().plusMillis(waitMillis).isAfter(deadline)) {
                throw new RateLimitWaitExceeded(waitMillis);
            }
            Thread.sleep(Math.max(1, waitMillis));
        }
    }

    /** Lowers the local budget to what the API says is left (never raises it: the local pace stays the bound). */
    public synchronized void observe(RateLimitHeaders headers) {
        if (headers != null && headers.remaining() != null) {
            refill();
            tokens = Math.min(tokens, headers.remaining());
        }
    }

    /** A 429: nothing left; the next request waits a back-off that grows with {@code attempt} (1, 2, ...). */
    public synchronized void tooManyRequests(RateLimitHeaders headers, int attempt) {
        throttled++;
        tokens = 0;
        refilledAtNanos = System.nanoTime();
        Duration backoff = Duration.ofSeconds(1L << Math.min(Math.max(attempt - 1, 0), 6));
        if (backoff.compareTo(MAX_BACKOFF) > 0) {
            backoff = MAX_BACKOFF;
        }
        Instant now = Instant.now();
        Instant until = now.plus(backoff);
        if (headers != null && headers.reset() != null && headers.reset().isAfter(now)
                && headers.reset().isBefore(until)) {
            until = headers.reset();
        }
        notBefore = until;
    }

    /** How many 429 answers this client has had. */
    public synchronized long throttled() {
        return throttled;
    }

    private void refill() {
        long now = System.nanoTime();
        tokens = Math.min(capacity, tokens + (now - refilledAtNanos) / 1e9 * refillPerSecond);
        refilledAtNanos = now;
    }

    /** The budget would not come back in time. */
    public static final class RateLimitWaitExceeded extends RuntimeException {
        public RateLimitWaitExceeded(long neededMillis) {
            super("the Hetzner API rate limit leaves no budget for another " + neededMillis + " ms");
        }
    }
}
