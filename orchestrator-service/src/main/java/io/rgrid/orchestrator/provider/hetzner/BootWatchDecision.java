package io.rgrid.orchestrator.provider.hetzner;

import io.rgrid.orchestrator.provider.hetzner.api.ApiModel.Action;

import java.time.Duration;
import java.util.Optional;

/**
 * What a boot watch does next with a created server, from its status and its age (time since the
 * watch began): bootstrap it once {@code running}, whatever its age; else wait while its age is
 * within {@code running-timeout}, and give up after. Pure: {@link BootWatch} polls and acts.
 */
enum BootWatchDecision {
    /** The server is {@code running}: hand it to the bootstrap. */
    BOOTSTRAP,
    /** Not running yet, within the timeout: poll again after {@code poll-interval}. */
    WAIT,
    /** Not running after {@code running-timeout}: the boot failed. */
    TIMED_OUT;

    static BootWatchDecision decide(String status, Duration age, Duration runningTimeout) {
        if ("running".equals(status)) {
            return BOOTSTRAP;
        }
        return age.compareTo(runningTimeout) > 0 ? TIMED_OUT : WAIT;
    }

    /** Why the boot fails with this finished create/start {@code action}, or empty when it succeeded. */
    static Optional<String> actionFailure(Action done) {
        if (!"error".equals(done.status())) {
            return Optional.empty();
        }
        return Optional.of("Hetzner action " + done.command() + " failed: "
                + (done.error() == null ? "no reason given" : done.error().code() + ": " + done.error().message()));
    }
}
