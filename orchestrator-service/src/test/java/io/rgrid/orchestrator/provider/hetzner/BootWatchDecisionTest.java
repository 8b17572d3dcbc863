package io.rgrid.orchestrator.provider.hetzner;

import io.rgrid.orchestrator.provider.hetzner.api.ApiModel.Action;
import io.rgrid.orchestrator.provider.hetzner.api.ApiModel.ActionError;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class BootWatchDecisionTest {

    /** server status, age since the watch began, running-timeout → what the watch does next. */
    @ParameterizedTest(name = "{0} at {1} (timeout {2}) → {3}")
    @CsvSource({
            "running,      PT0S,         PT5M, BOOTSTRAP",
            "running,      PT4M,         PT5M, BOOTSTRAP",
            // Running wins even past the timeout: the server made it, the bootstrap has its own budget.
            "running,      PT10M,        PT5M, BOOTSTRAP",
            "initializing, PT0S,         PT5M, WAIT",
            "starting,     PT4M59S,      PT5M, WAIT",
            // Exactly at the timeout is still within it.
            "starting,     PT5M,         PT5M, WAIT",
            "starting,     PT5M0.001S,   PT5M, TIMED_OUT",
            "off,          PT6M,         PT5M, TIMED_OUT",
            "RUNNING,      PT1S,         PT5M, WAIT",
            "'',           PT1S,         PT5M, WAIT",
            "starting,     PT0.001S,     PT0S, TIMED_OUT",
    })
    void decides(String status, Duration age, Duration runningTimeout, BootWatchDecision expected) {
        assertThat(BootWatchDecision.decide(status, age, runningTimeout)).isEqualTo(expected);
    }

    /** action command, status, error code, error message → why the boot fails ('-': it goes on). */
    @ParameterizedTest(name = "{0} {1} → {4}")
    @CsvSource(nullValues = "null", value = {
            "create_server, success, null,          null,            -",
            "start_server,  running, null,          null,            -",
            "create_server, error,   null,          null,            Hetzner action create_server failed: no reason given",
            "start_server,  error,   action_failed, disk is on fire, 'Hetzner action start_server failed: action_failed: disk is on fire'",
    })
    void anActionThatEndedInErrorFailsTheBoot(String command, String status, String code, String message,
                                              String expected) {
        ActionError error = code == null ? null : new ActionError(code, message);
        Action done = new Action(1, command, status, 100, null, null, error);
        assertThat(BootWatchDecision.actionFailure(done).orElse("-")).isEqualTo(expected);
    }
}
