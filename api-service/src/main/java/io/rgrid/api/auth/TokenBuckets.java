package io.rgrid.api.auth;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * One token bucket per name, for counting failures: a name may fail {@code burst} times in a row,
 * then has to wait, and earns one failure back every {@code refillNanos}. Pure and thread-safe;
 * the clock is passed in.
 *
 * <p>Memory is bounded: at most {@code maxEntries} names are tracked. A bucket that has refilled
 * completely is the same as no bucket and is dropped when room is needed; when every tracked name
 * is still waiting, the least recently seen is forgotten (it starts over with a full bucket).
 */
public final class TokenBuckets {

    private final long capacityNanos;
    private final long refillNanos;
    private final int maxEntries;
    private final LongSupplier nanoClock;
    /** Credit in nanoseconds of refill (one failure costs {@code refillNanos}) and when it was last brought up to date. */
    private final LinkedHashMap<String, long[]> buckets = new LinkedHashMap<>(16, 0.75f, true);

    /**
     * @param burst       failures in a row before a name waits (at least 1)
     * @param refillNanos time to earn one failure back (positive)
     * @param maxEntries  names tracked at most (at least 1)
     * @param nanoClock   monotonic nanoseconds, {@link System#nanoTime()} in production
     */
    public TokenBuckets(int burst, long refillNanos, int maxEntries, LongSupplier nanoClock) {
        if (burst < 1 || refillNanos <= 0 || maxEntries < 1) {
            throw new IllegalArgumentException("burst, refill and maxEntries must be positive");
        }
        this.capacityNanos = Math.multiplyExact(burst, refillNanos);
        this.refillNanos = refillNanos;
        this.maxEntries = maxEntries;
        this.nanoClock = nanoClock;
    }

    /** How long {@code name} must wait before it may try again, in nanoseconds; 0 when it may now. */
    public synchronized long waitNanos(String name) {
        long[] bucket = buckets.get(name);
        if (bucket == null) {
            return 0;
        }
        long credit = refill(bucket, nanoClock.getAsLong());
        return credit >= refillNanos ? 0 : refillNanos - credit;
    }

    /** Records one failure of {@code name}: takes a token (none left: the bucket stays empty). */
    public synchronized void take(String name) {
        long now = nanoClock.getAsLong();
        long[] bucket = buckets.get(name);
        if (bucket == null) {
            makeRoom(now);
            bucket = new long[] {capacityNanos, now};
            buckets.put(name, bucket);
        }
        bucket[0] = Math.max(0, refill(bucket, now) - refillNanos);
    }

    /** Names tracked now (for tests and the bound). */
    public synchronized int size() {
        return buckets.size();
    }

    private long refill(long[] bucket, long now) {
        long elapsed = Math.max(0, now - bucket[1]);
        bucket[0] = elapsed >= capacityNanos - bucket[0] ? capacityNanos : bucket[0] + elapsed;
        bucket[1] = now;
        return bucket[0];
    }

    /** Drops full buckets, then the least recently seen names, until one more fits. */
    private void makeRoom(long now) {
        if (buckets.size() < maxEntries) {
            return;
        }
        buckets.values().removeIf(bucket -> refill(bucket, now) == capacityNanos);
        Iterator<Map.Entry<String, long[]>> eldest = buckets.entrySet().iterator();
        while (buckets.size() >= maxEntries && eldest.hasNext()) {
            eldest.next();
            eldest.remove();
        }
    }
}
