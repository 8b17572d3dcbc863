package io.rgrid.scaling;

/**
 * The defaults of the {@code rgrid.orchestrator.scaling.*} keys, as their config texts: the
 * orchestrator's config mapping takes its {@code @WithDefault}s from here, and the cost simulator
 * replays with them, so both follow the same numbers.
 */
public final class ScalingDefaults {

    /** Queued executions at or above which one more worker is provisioned per tick. */
    public static final String QUEUE_THRESHOLD = "5";
    /** Most workers at once, booting ones included. */
    public static final String MAX_WORKERS = "10";
    /** Workers kept with nothing queued. */
    public static final String MIN_WORKERS = "0";
    /** How often the autoscaler looks at the queue. */
    public static final String INTERVAL = "5s";
    /** The provider's billing unit (Hetzner bills started hours). */
    public static final String BILLING_PERIOD = "1h";
    /** An idle worker is deleted only inside the last this-much of its billing period. */
    public static final String TERMINATE_WINDOW = "5m";

    private ScalingDefaults() {
    }
}
