package io.rgrid.orchestrator.leader;

import io.rgrid.platform.db.Transactions;
import io.rgrid.platform.leader.LeaderLease;
import io.rgrid.platform.leader.LeaseDecision;
import io.rgrid.platform.leader.LeaseSettings;
import io.rgrid.testinfra.Servers;
import io.rgrid.testinfra.SharedServers;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

import javax.sql.DataSource;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two instances of the orchestrator's leader lease on the real PostgreSQL (the orchestrator's
 * migration): one leads, the other stands by; when the leader's sessions die (its connections
 * killed and no new one possible) or it stops, the standby takes over, never while the old leader
 * still believes it leads. The take-over time is printed (docs/chaos.md records it), not asserted
 * beyond the lease's bound.
 */
class LeaderLeaseTest {

    private static final LeaseSettings SETTINGS = new LeaseSettings(Duration.ofSeconds(3), Duration.ofSeconds(1));

    private final List<LeaderLease> started = new ArrayList<>();
    private PGSimpleDataSource plain;
    private String leaseName;

    @BeforeEach
    void database() {
        Servers servers = SharedServers.get();
        plain = dataSource(servers, "lease-test");
        Flyway.configure().dataSource(plain).schemas("orchestrator").defaultSchema("orchestrator").load().migrate();
        leaseName = "test-" + UUID.randomUUID();
    }

    @AfterEach
    void stop() {
        started.forEach(LeaderLease::stop);
    }

    @Test
    void oneLeadsTheOtherTakesOverWhenTheLeadersSessionDies() throws Exception {
        Cuttable aSessions = new Cuttable(dataSource(SharedServers.get(), "lease-a"));
        LeaderLease a = lease(aSessions.dataSource(), "a");
        LeaderLease b = lease(plain, "b");
        AtomicInteger bElected = new AtomicInteger();
        b.onElected(term -> bElected.incrementAndGet());

        assertThat(a.round().kind()).isEqualTo(LeaseDecision.Kind.TAKE);
        assertThat(b.round().kind()).isEqualTo(LeaseDecision.Kind.FOLLOW);
        long firstTerm = a.term();
        a.start();
        b.start();
        Overlap overlap = Overlap.watch(a, b);
        // Several renew intervals: a keeps the lease, b never leads.
        await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(6)).until(() -> a.isLeader() && !b.isLeader());
        assertThat(b.leader()).isEqualTo(a.holderId());

        long cut = System.nanoTime();
        aSessions.cut(plain, "lease-a");
        await().atMost(SETTINGS.length().plus(SETTINGS.renewInterval()).plusSeconds(5))
                .pollInterval(Duration.ofMillis(20)).until(b::isLeader);
        long takeoverMs = (System.nanoTime() - cut) / 1_000_000;
        System.out.printf("leader lease take-over after the leader's sessions died: %d ms (lease %s, renew %s)%n",
                takeoverMs, SETTINGS.length(), SETTINGS.renewInterval());

        assertThat(a.isLeader()).isFalse();
        assertThat(overlap.stop()).as("moments both led").isZero();
        assertThat(b.term()).isEqualTo(firstTerm + 1);
        assertThat(bElected).hasValue(1);

        // a's database comes back: it follows b, it does not take the lease back.
        aSessions.restore();
        await().atMost(Duration.ofSeconds(5)).until(() -> b.holderId().equals(a.leader()));
        assertThat(a.isLeader()).isFalse();
        assertThat(b.isLeader()).isTrue();
    }

    @Test
    void aStoppedLeaderHandsOverAtTheStandbysNextRound() {
        LeaderLease a = lease(plain, "a");
        LeaderLease b = lease(plain, "b");
        a.round();
        a.start();
        b.start();
        await().atMost(Duration.ofSeconds(5)).until(() -> a.holderId().equals(b.leader()));

        long stopped = System.nanoTime();
        a.stop();
        assertThat(a.isLeader()).isFalse();
        await().atMost(SETTINGS.renewInterval().plusSeconds(5)).pollInterval(Duration.ofMillis(20)).until(b::isLeader);
        System.out.printf("leader lease take-over after the leader stopped: %d ms%n",
                (System.nanoTime() - stopped) / 1_000_000);
    }

    @Test
    void aRestartedInstanceIsANewHolderAndWaitsForItsFormerSelfsLease() {
        LeaderLease before = lease(plain, "same-instance/1");
        assertThat(before.round().leads()).isTrue();
        // killed: no release, no more renewals

        LeaderLease after = lease(plain, "same-instance/2");
        assertThat(after.round().kind()).isEqualTo(LeaseDecision.Kind.FOLLOW);
        assertThat(after.isLeader()).isFalse();
        await().atMost(SETTINGS.length().plusSeconds(5)).until(() -> after.round().kind() == LeaseDecision.Kind.TAKE);
        assertThat(after.term()).isEqualTo(before.term() + 1);
    }

    private LeaderLease lease(DataSource dataSource, String holder) {
        LeaderLease lease = new LeaderLease(new Transactions(dataSource), Leadership.TABLE, leaseName, SETTINGS, holder);
        started.add(lease);
        return lease;
    }

    private static PGSimpleDataSource dataSource(Servers servers, String applicationName) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(servers.jdbcUrl("orch_lease"));
        ds.setUser(servers.dbUser());
        ds.setPassword(servers.dbPassword());
        ds.setApplicationName(applicationName);
        ds.setConnectTimeout(2);
        return ds;
    }

    /** A data source whose sessions can be killed and refused: the instance lost its database. */
    private static final class Cuttable {
        private final DataSource target;
        private final AtomicBoolean cut = new AtomicBoolean();

        Cuttable(DataSource target) {
            this.target = target;
        }

        DataSource dataSource() {
            return (DataSource) Proxy.newProxyInstance(DataSource.class.getClassLoader(),
                    new Class<?>[] {DataSource.class}, (proxy, method, args) -> {
                        if (method.getName().equals("getConnection") && cut.get()) {
                            throw new SQLException("connection refused (cut by the test)", "08001");
                        }
                        try {
                            return method.invoke(target, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
        }

        /** Refuses new sessions and kills the open ones (by their application name) from another session. */
        void cut(DataSource admin, String applicationName) throws SQLException {
            cut.set(true);
            try (var c = admin.getConnection(); Statement st = c.createStatement()) {
                st.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '"
                        + applicationName + "'");
            }
        }

        void restore() {
            cut.set(false);
        }
    }

    /** Samples both instances until stopped; counts the samples in which both said they lead. */
    private static final class Overlap {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicInteger both = new AtomicInteger();
        private Thread thread;

        static Overlap watch(LeaderLease a, LeaderLease b) {
            Overlap o = new Overlap();
            o.thread = new Thread(() -> {
                while (o.running.get()) {
                    // The standby first: a leader's belief only ends, so a then-true a means both at once.
                    if (b.isLeader() && a.isLeader()) {
                        o.both.incrementAndGet();
                    }
                    LockSupport.parkNanos(1_000_000);
                }
            }, "overlap-watch");
            o.thread.setDaemon(true);
            o.thread.start();
            return o;
        }

        int stop() throws InterruptedException {
            running.set(false);
            thread.join();
            return both.get();
        }
    }
}
