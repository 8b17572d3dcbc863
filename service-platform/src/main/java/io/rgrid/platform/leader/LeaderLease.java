package io.rgrid.platform.leader;

import io.rgrid.platform.db.Transactions;
import io.rgrid.platform.signal.RoundLoop;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongConsumer;

/**
 * One instance's part in a PostgreSQL-backed leader election: a lease row (holder, expiry on the
 * database's clock, term) that every instance of a service looks at every renew interval, on a
 * thread of its own ({@link LeaseDecision} decides each round, in one transaction holding the
 * row's lock). The leader renews its lease; a standby takes it once it lapsed.
 *
 * <p>{@link #isLeader()} is true only until the lease's length after the start of the last
 * successful round, measured on this instance's monotonic clock. That start precedes the
 * database's {@code now()} of the round, so the leader stops leading before the lease it wrote
 * expires for anyone else: a leader cut off from the database (or paused) stops acting by itself,
 * and at most one instance acts as leader at a time, as long as the two clocks run at the same rate.
 *
 * <p>{@link #onElected} listeners run on the lease thread after each take-over (a new term):
 * they must hand long work to another thread, or the next renewal waits for it.
 */
public final class LeaderLease {

    private static final Logger LOG = Logger.getLogger(LeaderLease.class);

    private final Transactions tx;
    private final LeaseStore store;
    private final String name;
    private final LeaseSettings settings;
    private final String holderId;
    private final RoundLoop loop;
    private final List<LongConsumer> electedListeners = new CopyOnWriteArrayList<>();
    private volatile boolean leading;
    private volatile long leadingUntilNanos;
    private volatile long term;
    private volatile String leader = "";
    private boolean failing;

    /**
     * @param name     the lease's row (one per elected role)
     * @param holderId this instance, unique among the running instances and new at every start
     */
    public LeaderLease(Transactions tx, LeaseTable table, String name, LeaseSettings settings, String holderId) {
        if (holderId == null || holderId.isEmpty()) {
            throw new IllegalArgumentException("an instance needs a non-empty holder id");
        }
        this.tx = tx;
        this.store = new LeaseStore(table);
        this.name = name;
        this.settings = settings;
        this.holderId = holderId;
        this.loop = new RoundLoop("rgrid-leader-lease", settings.renewInterval().plusSeconds(5),
                settings::renewInterval, () -> {
                    round();
                    return false;
                }, this::failed);
    }

    /** @param listener called with the new term each time this instance takes the lease */
    public void onElected(LongConsumer listener) {
        electedListeners.add(listener);
    }

    /** Starts the lease thread (its first round at once) unless it runs. */
    public void start() {
        loop.start();
    }

    /** Ends the lease thread and, if this instance leads, ends its lease so a standby takes over at once. */
    public void stop() {
        loop.stop();
        boolean wasLeading = isLeader();
        leading = false;
        if (!wasLeading) {
            return;
        }
        try {
            tx.inTransaction(c -> store.release(c, name, holderId));
            LOG.infof("leader %s released lease '%s' (term %d)", holderId, name, term);
        } catch (RuntimeException e) {
            LOG.warnf("could not release lease '%s' (it lapses by itself): %s", name, e.getMessage());
        }
    }

    /** True while this instance holds the lease and may act as the leader (see the class comment). */
    public boolean isLeader() {
        return leading && System.nanoTime() - leadingUntilNanos < 0;
    }

    /** This instance's holder id. */
    public String holderId() {
        return holderId;
    }

    /** The holder the last round saw (this instance or another), empty before the first round. */
    public String leader() {
        return leader;
    }

    /** The lease's term as the last round saw it. */
    public long term() {
        return term;
    }

    /**
     * One round now, on the caller's thread (the lease thread's rounds are the same).
     *
     * @return what the round did
     */
    public synchronized LeaseDecision round() {
        long started = System.nanoTime();
        boolean wasLeading = isLeader();
        LeaseDecision decision = tx.inTransaction(c -> {
            LeaseStore.Locked row = store.lock(c, name);
            LeaseDecision d = LeaseDecision.decide(row.lease(), holderId, row.now(), settings.length());
            if (d.leads()) {
                store.write(c, name, d);
            }
            return d;
        });
        if (decision.leads()) {
            leadingUntilNanos = started + settings.length().toNanos();
        }
        leading = decision.leads();
        leader = decision.holder();
        term = decision.term();
        if (failing) {
            LOG.infof("lease '%s' reachable again", name);
            failing = false;
        }
        if (decision.kind() == LeaseDecision.Kind.TAKE) {
            LOG.infof("%s now leads '%s' (term %d, lease %s)", holderId, name, decision.term(), settings.length());
            for (LongConsumer listener : electedListeners) {
                listener.accept(decision.term());
            }
        } else if (wasLeading && !decision.leads()) {
            LOG.warnf("%s no longer leads '%s': %s holds it (term %d)", holderId, name, decision.holder(),
                    decision.term());
        }
        return decision;
    }

    private Duration failed(RuntimeException e) {
        if (!failing) {
            LOG.warnf("lease round for '%s' failed (%s); %s", name, e.getMessage(),
                    isLeader() ? "leading until the lease's own deadline" : "not leading");
            failing = true;
        }
        return settings.renewInterval();
    }
}
