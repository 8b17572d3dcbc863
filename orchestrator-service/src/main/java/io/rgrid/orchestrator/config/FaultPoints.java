package io.rgrid.orchestrator.config;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.function.BooleanSupplier;

/**
 * The crash-safety tests' hook ({@code rgrid.orchestrator.dispatch.fault-point}, never set in
 * production): halts the JVM at once ({@code Runtime.halt}: no shutdown hooks, as kill -9) at the
 * named point of the dispatch handshake, so a test can prove a restart loses and duplicates nothing.
 */
@ApplicationScoped
public class FaultPoints {

    private static final Logger LOG = Logger.getLogger(FaultPoints.class);

    /** ASSIGNED committed, not sent. */
    public static final String AFTER_RECORD = "after-record";
    /** Sent and answered by the agent, the answer not handled. */
    public static final String AFTER_SEND = "after-send";
    /**
     * Workers' reports consumed, one of them on an ASSIGNED execution, none applied: an attempt an
     * agent took and reported on stays ASSIGNED in the database, whichever of the agent's answer
     * and its RUNNING report came first.
     */
    public static final String BEFORE_REPORT = "before-report";

    @Inject
    RgridConfig config;

    public void reached(String point) {
        reachedIf(point, () -> true);
    }

    /** Halts at {@code point} when it is the configured one and {@code when} holds (asked only then). */
    public void reachedIf(String point, BooleanSupplier when) {
        if (config.orchestrator().dispatch().faultPoint().map(point::equals).orElse(false) && when.getAsBoolean()) {
            LOG.errorf("fault point %s reached: halting (test-only rgrid.orchestrator.dispatch.fault-point)", point);
            Runtime.getRuntime().halt(137);
        }
    }
}
