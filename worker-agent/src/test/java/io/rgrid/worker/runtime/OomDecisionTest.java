package io.rgrid.worker.runtime;

import io.rgrid.worker.runtime.OomDecision.Outcome;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every combination of signals a machine can offer, and the one verdict it must give. "-" is a
 * signal this machine cannot observe (null), which must never be read as "no". Columns: exit code,
 * the agent killed it, Docker's flag, the kernel's count in the run's subtree (v2), the run's peak
 * reached its limit (v1), the host's OOM kills during the run, MemoryError on stderr.
 */
class OomDecisionTest {

    @ParameterizedTest(name = "exit {0}, agent {1}, flag {2}, subtree {3}, peak {4}, host {5}, MemoryError {6} -> {7}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            # Docker 20.10 / cgroup v1 / kernel 6.18: the flag stays false, the kernel's record says it
            137 | false | false | - | true  | 1 | false | OOM_KILLED | reached its limit
            # an older kernel on cgroup v1: the flag and the kernel agree
            137 | false | true  | - | true  | 1 | false | OOM_KILLED | reached its limit
            # cgroup v2 with the cgroupfs driver: the subtree's exact count
            137 | false | false | 1 | -     | 1 | false | OOM_KILLED | counted 1 OOM kill
            # a systemd-driven engine: the flag is the only signal, and it suffices
            137 | false | true  | - | -     | - | false | OOM_KILLED | Docker flagged
            # a child was killed, the script then failed: the memory limit is why
            1   | false | false | 2 | -     | 2 | false | OOM_KILLED | counted 2 OOM kills
            1   | false | false | - | true  | 3 | false | OOM_KILLED | reached its limit
            # a child was killed, the script handled it and succeeded: it succeeded, and is told
            0   | false | false | - | true  | 1 | false | SURVIVED   | reached its limit
            0   | false | true  | - | -     | - | false | SURVIVED   | Docker flagged
            # v1 needs both facts: page cache fills a limit without a kill; another run's kill is not this one's
            137 | false | false | - | true  | 0 | false | NONE       | -
            137 | false | false | - | false | 1 | false | NONE       | -
            137 | false | false | - | true  | - | false | NONE       | -
            # SIGKILL from elsewhere: 137 alone is not evidence
            137 | false | false | 0 | -     | 0 | false | NONE       | -
            137 | false | false | - | -     | - | false | NONE       | -
            # the agent's own kill (timeout, cancel) decides, whatever memory did before
            137 | true  | true  | 1 | true  | 1 | false | NONE       | -
            137 | true  | false | - | -     | - | false | NONE       | -
            # the process runtime: MemoryError under the rlimit, only when the script failed
            1   | false | -     | - | -     | - | true  | OOM_KILLED | MemoryError
            0   | false | -     | - | -     | - | true  | NONE       | -
            1   | false | -     | - | -     | - | false | NONE       | -
            -9  | true  | -     | - | -     | - | true  | NONE       | -
            # an ordinary ending
            0   | false | false | 0 | false | 0 | false | NONE       | -
            2   | false | false | - | false | 0 | false | NONE       | -
            """)
    void decides(int exitCode, boolean killedByAgent, Boolean engineFlag, Long subtreeKills, Boolean limitReached,
                 Long hostKills, boolean memoryError, Outcome expected, String evidence) {
        OomDecision.Verdict verdict = OomDecision.decide(new ExitSignals(exitCode, killedByAgent, engineFlag,
                subtreeKills, limitReached, hostKills, memoryError));
        assertThat(verdict.outcome()).isEqualTo(expected);
        assertThat(verdict.oomKilled()).isEqualTo(expected == Outcome.OOM_KILLED);
        if (evidence == null) {
            assertThat(verdict.evidence()).isNull();
        } else {
            assertThat(verdict.evidence()).contains(evidence);
        }
    }
}
