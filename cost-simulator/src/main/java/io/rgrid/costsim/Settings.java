package io.rgrid.costsim;

import io.rgrid.scaling.ScalingDefaults;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the simulated grid is made of and how the autoscaler is configured.
 *
 * @param serverType      the worker's Hetzner server type, for the table
 * @param pricePerPeriod  EUR per started billing period (per started hour in production)
 * @param bootDelay       from the create call to the worker's first heartbeat (READY)
 * @param slots           executions a worker runs at once (the agent's default: its cores)
 * @param cpus            CPUs a worker offers (the server type's vCPUs)
 * @param queueThreshold  {@code rgrid.orchestrator.scaling.queue-threshold}
 * @param maxWorkers      {@code rgrid.orchestrator.scaling.max-workers}
 * @param minWorkers      {@code rgrid.orchestrator.scaling.min-workers}
 * @param tick            {@code rgrid.orchestrator.scaling.interval}: how often the policy is asked
 * @param billingPeriod   {@code rgrid.orchestrator.scaling.billing-period}
 * @param terminateWindow {@code rgrid.orchestrator.scaling.terminate-window}
 * @param idleTimeout     the fixed idle timeout of the Ray-like policy (Ray's default: 60 s)
 */
public record Settings(String serverType, double pricePerPeriod, Duration bootDelay, int slots, double cpus,
                       int queueThreshold, int maxWorkers, int minWorkers, Duration tick, Duration billingPeriod,
                       Duration terminateWindow, Duration idleTimeout) {

    /** Hetzner CX22 (2 vCPU, 4 GB: the seed guide's worker type), net hourly price of the Cloud API's catalogue. */
    public static final String DEFAULT_SERVER_TYPE = "cx22";
    public static final double DEFAULT_PRICE_EUR = 0.0060;
    /** Server create + boot + bootstrap over SSH + agent start, to the first heartbeat: an assumption, see the README. */
    public static final Duration DEFAULT_BOOT_DELAY = Duration.ofSeconds(90);
    public static final Duration RAY_IDLE_TIMEOUT = Duration.ofSeconds(60);

    public Settings {
        require(pricePerPeriod >= 0, "the price must be >= 0");
        require(!bootDelay.isNegative(), "the boot delay must be >= 0");
        require(slots >= 1, "slots must be >= 1");
        require(cpus > 0, "cpus must be > 0");
        require(queueThreshold >= 1, "the queue threshold must be >= 1");
        require(maxWorkers >= 1, "max workers must be >= 1");
        require(minWorkers >= 0 && minWorkers <= maxWorkers, "min workers must be between 0 and max workers");
        require(tick.isPositive(), "the interval must be > 0");
        require(billingPeriod.isPositive(), "the billing period must be > 0");
        require(!terminateWindow.isNegative() && terminateWindow.compareTo(billingPeriod) <= 0,
                "the terminate window must be between 0 and the billing period");
        require(!idleTimeout.isNegative(), "the idle timeout must be >= 0");
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    /** A CX22 worker with 2 slots, booting in 90 s, and the orchestrator's own scaling defaults. */
    public static Settings defaults() {
        return new Settings(DEFAULT_SERVER_TYPE, DEFAULT_PRICE_EUR, DEFAULT_BOOT_DELAY, 2, 2,
                Integer.parseInt(ScalingDefaults.QUEUE_THRESHOLD),
                Integer.parseInt(ScalingDefaults.MAX_WORKERS),
                Integer.parseInt(ScalingDefaults.MIN_WORKERS),
                duration(ScalingDefaults.INTERVAL),
                duration(ScalingDefaults.BILLING_PERIOD),
                duration(ScalingDefaults.TERMINATE_WINDOW),
                RAY_IDLE_TIMEOUT);
    }

    private static final Pattern SIMPLE_DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");

    /** {@code 90s}, {@code 5m}, {@code 1h}, {@code 250ms}, {@code 2d}, or ISO-8601 ({@code PT1M30S}). */
    public static Duration duration(String text) {
        Matcher m = SIMPLE_DURATION.matcher(text.strip().toLowerCase(Locale.ROOT));
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        }
        try {
            return Duration.parse(text.strip().toUpperCase(Locale.ROOT));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not a duration: '" + text + "' (e.g. 90s, 5m, 1h)");
        }
    }
}
