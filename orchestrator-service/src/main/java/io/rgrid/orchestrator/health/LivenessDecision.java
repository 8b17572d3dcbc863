package io.rgrid.orchestrator.health;

import io.rgrid.model.event.WorkerState;

import java.time.Duration;

/**
 * Whether a worker the database shows silent is alive, suspect or lost: a pure function of facts
 * the {@link HealthMonitor} gathers, every age measured on the database's clock.
 *
 * <p>A heartbeat's time is when the orchestrator applied it, so a silent row proves only that no
 * heartbeat was <em>applied</em>: Kafka may be down, or the heartbeat consumer behind. A worker is
 * therefore LOST only when the consumer is caught up (every heartbeat already in Kafka has been
 * applied) and, for a worker that was READY or DRAINING, a direct health probe of its agent fails
 * too. For {@code lost-after} after the monitor's first check nothing is LOST (the start-up grace:
 * an orchestrator that was down longer than that finds every row old).
 */
public final class LivenessDecision {

    private LivenessDecision() {
    }

    public enum Verdict {
        /** Heard from recently enough (or LOST/DELETED already): nothing to do. */
        ALIVE,
        /** Silent, but nothing proves it is gone (start-up grace, heartbeat consumer not caught up, agent answers). */
        SUSPECT,
        /** Silent while the heartbeat consumer is caught up: ask the agent directly, then decide again. */
        PROBE,
        /** Gone: mark it LOST and take its work back. */
        LOST
    }

    /** What the orchestrator knows of its heartbeat consumer's position. */
    public enum Feed {
        /** Every heartbeat in Kafka (as of the previous look) has been applied. */
        CAUGHT_UP,
        /** Heartbeats wait in Kafka unapplied. */
        BEHIND,
        /** Kafka did not answer: nothing is known. */
        UNKNOWN
    }

    /** The direct health probe ({@code GET /v1/health}) of the worker's agent. */
    public enum Probe {
        NOT_PROBED,
        /** This worker's agent answered. */
        ANSWERED,
        /** No answer, or an answer from another agent. */
        FAILED
    }

    /**
     * @param state          the worker's state
     * @param silentFor      since its last applied heartbeat (or its creation when it never sent one)
     * @param age            since it was created (a PROVISIONING worker's boot time so far)
     * @param monitorRunning since the health monitor's first check in this orchestrator
     * @param lostAfter      {@code rgrid.orchestrator.health.lost-after}
     * @param bootTimeout    {@code rgrid.orchestrator.health.boot-timeout}
     */
    public record Facts(WorkerState state, Duration silentFor, Duration age, Duration monitorRunning,
                        Duration lostAfter, Duration bootTimeout, Feed feed, Probe probe) {

        public Facts withProbe(Probe answer) {
            return new Facts(state, silentFor, age, monitorRunning, lostAfter, bootTimeout, feed, answer);
        }
    }

    /** A verdict and its cause: the {@code cause} tag of {@code rgrid_worker_lost_total} when LOST. */
    public record Result(Verdict verdict, String cause) {
    }

    public static final String SILENT = "silent";
    public static final String BOOT_TIMEOUT = "boot_timeout";

    public static Result decide(Facts facts) {
        boolean booting = facts.state() == WorkerState.PROVISIONING;
        boolean heard = switch (facts.state()) {
            case READY, DRAINING -> facts.silentFor().compareTo(facts.lostAfter()) <= 0;
            case PROVISIONING -> facts.age().compareTo(facts.bootTimeout()) <= 0;
            case LOST, DELETED -> false;
        };
        if (facts.state() == WorkerState.LOST || facts.state() == WorkerState.DELETED) {
            return new Result(Verdict.ALIVE, "not_live");
        }
        if (heard) {
            return new Result(Verdict.ALIVE, "heard");
        }
        if (facts.monitorRunning().compareTo(facts.lostAfter()) < 0) {
            return new Result(Verdict.SUSPECT, "start_up_grace");
        }
        if (facts.feed() != Feed.CAUGHT_UP) {
            return new Result(Verdict.SUSPECT, "heartbeats_" + facts.feed().name().toLowerCase());
        }
        if (booting) {
            // It never proved it works: its heartbeats would have arrived, the consumer is caught up.
            return new Result(Verdict.LOST, BOOT_TIMEOUT);
        }
        return switch (facts.probe()) {
            case NOT_PROBED -> new Result(Verdict.PROBE, SILENT);
            case ANSWERED -> new Result(Verdict.SUSPECT, "agent_answers");
            case FAILED -> new Result(Verdict.LOST, SILENT);
        };
    }
}
