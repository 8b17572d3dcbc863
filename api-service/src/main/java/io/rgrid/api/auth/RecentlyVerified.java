package io.rgrid.api.auth;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Key hashes that authenticated within the last {@code ttlNanos}: they pass a client address's
 * failure limit, so that somebody else's flood from the same address does not lock out a key that
 * is known to work. Holds hashes only, at most {@code maxEntries} (the least recently verified are
 * forgotten first). Pure and thread-safe; the clock is passed in.
 */
public final class RecentlyVerified {

    private final long ttlNanos;
    private final int maxEntries;
    private final LongSupplier nanoClock;
    private final LinkedHashMap<String, Long> verifiedAt;

    public RecentlyVerified(long ttlNanos, int maxEntries, LongSupplier nanoClock) {
        this.ttlNanos = ttlNanos;
        this.maxEntries = maxEntries;
        this.nanoClock = nanoClock;
        this.verifiedAt = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
                return size() > RecentlyVerified.this.maxEntries;
            }
        };
    }

    /** Remembers that {@code keyHash} authenticated now. */
    public synchronized void verified(String keyHash) {
        verifiedAt.remove(keyHash); // re-inserted last: insertion order is verification order
        verifiedAt.put(keyHash, nanoClock.getAsLong());
    }

    /** Whether {@code keyHash} authenticated within the time-to-live; a stale entry is dropped. */
    public synchronized boolean contains(String keyHash) {
        Long at = verifiedAt.get(keyHash);
        if (at == null) {
            return false;
        }
        if (nanoClock.getAsLong() - at < ttlNanos) {
            return true;
        }
        verifiedAt.remove(keyHash);
        return false;
    }

    /** Hashes held now, fresh or stale (for the bound in tests). */
    synchronized int size() {
        return verifiedAt.size();
    }
}
