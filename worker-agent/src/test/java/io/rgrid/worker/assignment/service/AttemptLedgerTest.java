package io.rgrid.worker.assignment.service;

import io.rgrid.model.ExecutionState;
import io.rgrid.model.FailureReason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The ledger of finished and fenced attempts survives a restart (a new instance on the same file). */
class AttemptLedgerTest {

    @TempDir
    Path dir;

    @Test
    void whatWasRecordedIsThereAfterAReopen() {
        Path file = dir.resolve(AttemptLedger.FILE_NAME);
        UUID finished = UUID.randomUUID();
        UUID fenced = UUID.randomUUID();
        Instant at = Instant.ofEpochMilli(1_700_000_000_123L);
        UUID failed = UUID.randomUUID();
        AttemptLedger ledger = AttemptLedger.open(file, 10);
        ledger.record(AttemptLedger.Entry.finished(finished, 2, at, ExecutionState.SUCCEEDED, null));
        ledger.record(AttemptLedger.Entry.fenced(fenced, 1, at));
        ledger.record(AttemptLedger.Entry.finished(failed, 1, at, ExecutionState.FAILED, FailureReason.OOM_KILLED));

        assertThat(AttemptLedger.open(file, 10).entries()).containsExactly(
                AttemptLedger.Entry.finished(finished, 2, at, ExecutionState.SUCCEEDED, null),
                AttemptLedger.Entry.fenced(fenced, 1, at),
                AttemptLedger.Entry.finished(failed, 1, at, ExecutionState.FAILED, FailureReason.OOM_KILLED));
    }

    /** A ledger an agent wrote before outcomes were kept: its finished attempts are read, without one. */
    @Test
    void linesWithoutAnOutcomeAreReadAsBefore() throws Exception {
        Path file = dir.resolve(AttemptLedger.FILE_NAME);
        UUID finished = UUID.randomUUID();
        Files.writeString(file, "FINISHED " + finished + " 3 1700000000123\n", StandardCharsets.UTF_8);

        assertThat(AttemptLedger.open(file, 10).entries()).containsExactly(AttemptLedger.Entry.finished(finished, 3,
                Instant.ofEpochMilli(1_700_000_000_123L), null, null));
    }

    @Test
    void aTornLastLineIsSkipped() throws Exception {
        Path file = dir.resolve(AttemptLedger.FILE_NAME);
        UUID finished = UUID.randomUUID();
        AttemptLedger.open(file, 10).record(AttemptLedger.Entry.finished(finished, 1, Instant.now(),
                ExecutionState.SUCCEEDED, null));
        Files.writeString(file, "FENCED " + UUID.randomUUID().toString().substring(0, 10), StandardCharsets.UTF_8,
                StandardOpenOption.APPEND);

        assertThat(AttemptLedger.open(file, 10).entries()).extracting(AttemptLedger.Entry::executionId)
                .containsExactly(finished);
    }

    @Test
    void pastTwiceTheLimitOnlyTheNewestAreKept() {
        Path file = dir.resolve(AttemptLedger.FILE_NAME);
        AttemptLedger ledger = AttemptLedger.open(file, 3);
        UUID[] ids = new UUID[7];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = UUID.randomUUID();
            ledger.record(AttemptLedger.Entry.finished(ids[i], 1, Instant.now(), ExecutionState.SUCCEEDED, null));
        }

        // The seventh record went past 2 x 3: the newest three stay, on disk too.
        assertThat(AttemptLedger.open(file, 3).entries()).extracting(AttemptLedger.Entry::executionId)
                .containsExactly(ids[4], ids[5], ids[6]);
        assertThat(ledger.entries()).hasSize(3);
    }

    @Test
    void aMissingLedgerIsEmpty() {
        assertThat(AttemptLedger.open(dir.resolve("none").resolve(AttemptLedger.FILE_NAME), 10).entries()).isEmpty();
    }
}
