package io.rgrid.orchestrator.queue;

/**
 * Why an attempt was taken back from its worker: the {@code cause} tag of
 * {@code rgrid_attempt_takebacks_total}, so a false take-back (and the attempt it burned) shows.
 */
public enum TakeBackCause {
    /** Its worker was declared LOST (health monitor) or its server vanished. */
    WORKER_LOST("worker_lost"),
    /** Its worker's heartbeats stopped listing it ({@code health.missing-grace}). */
    MISSING_FROM_HEARTBEATS("missing_from_heartbeats"),
    /** Still ASSIGNED (never started) past its deadline. */
    DEADLINE("deadline"),
    /**
     * The agent refused the assignment before starting it (4xx), or did not answer and confirmed a
     * fence: back in the queue with the <em>same</em> attempt (none is burned;
     * {@code ExecutionTransitions#unassign}).
     */
    REFUSED("refused"),
    /** An ASSIGNED attempt re-sent at start whose worker the registry no longer knows. */
    UNKNOWN_WORKER("unknown_worker"),
    /** Ray mode: its Ray task failed, ended or could not be submitted. */
    RAY_TASK("ray_task");

    private final String tag;

    TakeBackCause(String tag) {
        this.tag = tag;
    }

    public String tag() {
        return tag;
    }
}
