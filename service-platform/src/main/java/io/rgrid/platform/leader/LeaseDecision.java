package io.rgrid.platform.leader;

import java.time.Duration;
import java.time.Instant;

/**
 * What one lease round does, decided from the lease row as the database has it and the database's
 * clock (pure: no I/O). Every instance of a service runs a round every renew interval:
 * <ul>
 *   <li>no holder, or the lease expired ({@code expires_at <= now}): {@link Kind#TAKE} it for a new
 *       term, even when the lapsed lease was this instance's own (it stopped acting as leader when
 *       its own deadline passed, so its next reign starts afresh: the take-over work runs again);</li>
 *   <li>this instance holds an unexpired lease: {@link Kind#RENEW} it, same term;</li>
 *   <li>another instance holds an unexpired lease: {@link Kind#FOLLOW}, nothing is written.</li>
 * </ul>
 * A taken or renewed lease runs until {@code now + length}. The holder's own deadline is shorter
 * (measured from before its round started, on its own clock: {@link LeaderLease}), so it stops
 * leading before any other instance may take over.
 *
 * @param kind      what the round does
 * @param holder    who holds the lease after the round
 * @param term      the lease's term after the round (grows by one with every take-over)
 * @param expiresAt when the lease lapses, on the database's clock
 */
public record LeaseDecision(Kind kind, String holder, long term, Instant expiresAt) {

    public enum Kind { TAKE, RENEW, FOLLOW }

    /**
     * The lease row as read (locked) in the round's transaction; an absent row is
     * {@code new Lease("", Instant.MIN-like, 0)}.
     *
     * @param holder    the instance holding it, empty for nobody
     * @param expiresAt when it lapses, on the database's clock
     * @param term      how many take-overs it has seen
     */
    public record Lease(String holder, Instant expiresAt, long term) {
        public static final Lease NONE = new Lease("", Instant.EPOCH, 0);
    }

    public static LeaseDecision decide(Lease current, String me, Instant now, Duration length) {
        if (me == null || me.isEmpty()) {
            throw new IllegalArgumentException("an instance needs a non-empty holder id");
        }
        boolean lapsed = current.holder().isEmpty() || !current.expiresAt().isAfter(now);
        if (lapsed) {
            return new LeaseDecision(Kind.TAKE, me, current.term() + 1, now.plus(length));
        }
        if (current.holder().equals(me)) {
            return new LeaseDecision(Kind.RENEW, me, current.term(), now.plus(length));
        }
        return new LeaseDecision(Kind.FOLLOW, current.holder(), current.term(), current.expiresAt());
    }

    /** True when this round made or kept the instance the leader. */
    public boolean leads() {
        return kind != Kind.FOLLOW;
    }
}
