package io.rgrid.platform.leader;

import io.rgrid.platform.leader.LeaseDecision.Kind;
import io.rgrid.platform.leader.LeaseDecision.Lease;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LeaseDecisionTest {

    private static final Instant NOW = Instant.parse("2026-12-05T12:00:00Z");
    private static final Duration LENGTH = Duration.ofSeconds(15);

    /**
     * Holder in the row ('' = nobody), its expiry relative to now in seconds, its term; the instance
     * deciding → kind, holder, term and expiry (relative to now) after the round.
     */
    @ParameterizedTest(name = "row {0} expiring {1}s (term {2}), {3} decides → {4} {5} term {6} until {7}s")
    @CsvSource({
            // nobody holds it yet (a fresh row): the first instance takes it
            "'',  -5, 0, a, TAKE,   a, 1, 15",
            "'',  30, 0, a, TAKE,   a, 1, 15",
            // the holder renews its unexpired lease, same term
            "a,   10, 4, a, RENEW,  a, 4, 15",
            "a,    1, 4, a, RENEW,  a, 4, 15",
            // another holds an unexpired lease: follow, nothing changes
            "b,   10, 4, a, FOLLOW, b, 4, 10",
            "b,    1, 4, a, FOLLOW, b, 4, 1",
            // expired (at or before now): taken over for a new term
            "b,    0, 4, a, TAKE,   a, 5, 15",
            "b,   -1, 4, a, TAKE,   a, 5, 15",
            "b, -600, 9, a, TAKE,   a, 10, 15",
            // the holder's own lapsed lease: a new term (it stopped leading meanwhile)
            "a,    0, 4, a, TAKE,   a, 5, 15",
            "a,  -20, 4, a, TAKE,   a, 5, 15",
    })
    void decides(String holder, long expiresIn, long term, String me, Kind kind, String newHolder, long newTerm,
                 long newExpiresIn) {
        LeaseDecision d = LeaseDecision.decide(new Lease(holder, NOW.plusSeconds(expiresIn), term), me, NOW, LENGTH);

        assertThat(d).isEqualTo(new LeaseDecision(kind, newHolder, newTerm, NOW.plusSeconds(newExpiresIn)));
        assertThat(d.leads()).isEqualTo(kind != Kind.FOLLOW);
    }

    @Test
    void anAbsentRowIsTaken() {
        assertThat(LeaseDecision.decide(Lease.NONE, "a", NOW, LENGTH).kind()).isEqualTo(Kind.TAKE);
    }

    @Test
    void anInstanceNeedsAnId() {
        assertThatThrownBy(() -> LeaseDecision.decide(Lease.NONE, "", NOW, LENGTH))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest(name = "lease {0}, renew every {1} → {2}")
    @CsvSource({
            "PT15S, PT5S,   ok",
            "PT10S, PT5S,   ok",
            "PT9S,  PT5S,   'rgrid.leader.lease (PT9S) must be at least twice rgrid.leader.renew-interval (PT5S)'",
            "PT15S, PT0S,   'rgrid.leader.renew-interval must be a positive duration, not PT0S'",
            "PT15S, PT-1S,  'rgrid.leader.renew-interval must be a positive duration, not PT-1S'",
    })
    void settingsAreChecked(Duration length, Duration renew, String expected) {
        if (expected.equals("ok")) {
            assertThat(new LeaseSettings(length, renew).length()).isEqualTo(length);
        } else {
            assertThatThrownBy(() -> new LeaseSettings(length, renew)).hasMessage(expected);
        }
    }
}
