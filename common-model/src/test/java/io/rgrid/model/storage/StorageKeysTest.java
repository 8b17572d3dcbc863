package io.rgrid.model.storage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StorageKeysTest {

    private static final UUID ID = UUID.fromString("0193a5f0-0000-7000-8000-000000000001");
    private static final String RUN = "5b0c6f1e-2d7a-4f7e-9a51-3c1d2e4f5a6b";

    @Test
    void aRunWritesBelowItsOwnPrefix() {
        String base = "executions/" + ID + "/attempts/2/";
        assertThat(StorageKeys.runPrefix(ID, 2, RUN)).isEqualTo(base + "runs/" + RUN + "/");
        assertThat(StorageKeys.log(ID, 2, RUN)).isEqualTo(base + "runs/" + RUN + "/log");
        assertThat(StorageKeys.outputsPrefix(ID, 2, RUN)).isEqualTo(base + "runs/" + RUN + "/outputs/");
        assertThat(StorageKeys.output(ID, 2, RUN, "sub/b.txt")).isEqualTo(base + "runs/" + RUN + "/outputs/sub/b.txt");
        assertThat(StorageKeys.runPrefix(ID, 2, RUN)).startsWith(StorageKeys.attemptPrefix(ID, 2));
    }

    @Test
    void twoRunsOfOneAttemptShareNoKey() {
        assertThat(StorageKeys.log(ID, 1, "run-a")).isNotEqualTo(StorageKeys.log(ID, 1, "run-b"));
        assertThat(StorageKeys.outputsPrefix(ID, 1, "run-a")).doesNotStartWith(StorageKeys.runPrefix(ID, 1, "run-b"));
        // Neither run's objects are below the old layout's outputs/ or at its log key.
        assertThat(StorageKeys.output(ID, 1, "run-a", "x")).doesNotStartWith(StorageKeys.outputsPrefix(ID, 1));
        assertThat(StorageKeys.log(ID, 1, "run-a")).isNotEqualTo(StorageKeys.log(ID, 1));
    }

    @Test
    void noRunIsTheLayoutBeforeRuns() {
        String base = "executions/" + ID + "/attempts/1/";
        assertThat(StorageKeys.log(ID, 1, null)).isEqualTo(base + "log").isEqualTo(StorageKeys.log(ID, 1));
        assertThat(StorageKeys.output(ID, 1, null, "a.csv")).isEqualTo(base + "outputs/a.csv")
                .isEqualTo(StorageKeys.output(ID, 1, "a.csv"));
        assertThat(StorageKeys.outputsPrefix(ID, 1, null)).isEqualTo(base + "outputs/");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a", "run-1", RUN, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"})
    void runNamesAreOneSafeSegment(String run) {
        assertThat(StorageKeys.isRun(run)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "..", "../x", "a/b", "A", "run 1", "run\n", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "runs/../../y"})
    void otherNamesAreRefused(String run) {
        assertThat(StorageKeys.isRun(run)).isFalse();
        assertThatThrownBy(() -> StorageKeys.log(ID, 1, run)).isInstanceOf(IllegalArgumentException.class);
    }
}
