package io.rgrid.api.auth;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** Failure buckets: burst, refill, the wait they report, and the bound on what they keep. */
class TokenBucketsTest {

    private static final long SECOND = 1_000_000_000L;

    /**
     * Burst 3, one failure earned back every 10 s. Each row: failures taken at t=0, then the time
     * looked at, and the wait reported then (seconds).
     */
    @ParameterizedTest(name = "{0} failures at 0 s, asked at {1} s: wait {2} s")
    @CsvSource({
            "0, 0, 0",     // never failed
            "2, 0, 0",     // within the burst
            "3, 0, 10",    // burst used up: one refill away
            "3, 4, 6",     // partly refilled
            "3, 10, 0",    // one earned back
            "5, 0, 10",    // failures past the burst keep the bucket empty, no debt
            "5, 10, 0",
            "3, 1000, 0",  // long ago: full again
    })
    void waitAfterFailures(int failures, long askedAtSeconds, long expectedWaitSeconds) {
        AtomicLong now = new AtomicLong(1_000 * SECOND);
        long start = now.get();
        TokenBuckets buckets = new TokenBuckets(3, 10 * SECOND, 100, now::get);
        for (int i = 0; i < failures; i++) {
            buckets.take("203.0.113.7");
        }
        now.set(start + askedAtSeconds * SECOND);
        assertThat(buckets.waitNanos("203.0.113.7")).isEqualTo(expectedWaitSeconds * SECOND);
        assertThat(buckets.waitNanos("198.51.100.1")).as("another name is not affected").isZero();
    }

    @Test
    void aFailureAfterPartialRefillSpendsTheEarnedToken() {
        AtomicLong now = new AtomicLong(0);
        TokenBuckets buckets = new TokenBuckets(2, 10 * SECOND, 100, now::get);
        buckets.take("a");
        buckets.take("a");
        now.set(15 * SECOND); // 1.5 tokens earned back
        assertThat(buckets.waitNanos("a")).isZero();
        buckets.take("a");    // 0.5 left
        assertThat(buckets.waitNanos("a")).isEqualTo(5 * SECOND);
        now.set(1_000 * SECOND); // never more than the burst
        buckets.take("a");
        buckets.take("a");
        assertThat(buckets.waitNanos("a")).isEqualTo(10 * SECOND);
    }

    @Test
    void memoryIsBoundedFullBucketsGoFirstThenTheLeastRecentlySeen() {
        AtomicLong now = new AtomicLong(0);
        TokenBuckets buckets = new TokenBuckets(1, 10 * SECOND, 3, now::get);
        buckets.take("old");          // waiting until 10 s
        now.set(20 * SECOND);         // "old" is full again
        buckets.take("b");
        buckets.take("c");
        buckets.take("d");            // at the cap: the full "old" is dropped
        assertThat(buckets.size()).isEqualTo(3);
        assertThat(buckets.waitNanos("b")).isPositive();
        buckets.waitNanos("b");       // b seen again: c is now the least recently seen
        buckets.take("e");            // nothing full: c is forgotten
        assertThat(buckets.size()).isEqualTo(3);
        assertThat(buckets.waitNanos("c")).isZero();
        assertThat(buckets.waitNanos("b")).isPositive();
        assertThat(buckets.waitNanos("d")).isPositive();
        assertThat(buckets.waitNanos("e")).isPositive();
        for (int i = 0; i < 10_000; i++) {
            buckets.take("flood-" + i);
        }
        assertThat(buckets.size()).isEqualTo(3);
    }

    @Test
    void recentlyVerifiedKeysExpireAndAreBounded() {
        AtomicLong now = new AtomicLong(0);
        RecentlyVerified verified = new RecentlyVerified(60 * SECOND, 2, now::get);
        verified.verified("k1");
        now.set(30 * SECOND);
        verified.verified("k2");
        assertThat(verified.contains("k1")).isTrue();
        verified.verified("k3");          // k1, verified first, is forgotten
        assertThat(verified.contains("k1")).isFalse();
        assertThat(verified.size()).isEqualTo(2);
        now.set(91 * SECOND);             // k2 (30 s) is older than 60 s, k3 (30 s) too
        assertThat(verified.contains("k2")).isFalse();
        verified.verified("k3");
        assertThat(verified.contains("k3")).isTrue();
    }
}
