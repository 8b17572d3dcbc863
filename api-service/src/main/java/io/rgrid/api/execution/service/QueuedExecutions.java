package io.rgrid.api.execution.service;

import io.rgrid.api.execution.repository.ExecutionRecord;
import io.rgrid.api.execution.repository.ExecutionRepository;
import io.rgrid.api.execution.repository.TransitionRepository;
import io.rgrid.api.outbox.OutboxWriter;
import io.rgrid.model.ExecutionState;
import io.rgrid.model.event.ExecutionSubmitted;
import io.rgrid.platform.db.Transactions;
import io.rgrid.platform.outbox.OutboxRelay;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * Commits a new QUEUED execution whose files are stored: its row, first transition and
 * {@code ExecutionSubmitted} event in one transaction, then wakes the outbox relay. A commit
 * whose outcome is unknown is settled by asking the database ({@link #committedAfterAll}).
 */
@Singleton
class QueuedExecutions {

    /** Who the transitions table names for changes the API itself makes. */
    static final String REPORTED_BY_API = "api";

    private static final Logger LOG = Logger.getLogger(QueuedExecutions.class);
    /** How often, and how far apart, a failed commit's outcome is asked of the database. */
    private static final int COMMIT_CHECKS = 10;
    private static final Duration COMMIT_CHECK_PAUSE = Duration.ofMillis(500);

    private final Transactions tx;
    private final ExecutionRepository executions;
    private final TransitionRepository transitions;
    private final OutboxWriter outbox;
    private final OutboxRelay outboxRelay;
    private final ExecutionFiles files;

    QueuedExecutions(Transactions tx, ExecutionRepository executions, TransitionRepository transitions,
                     OutboxWriter outbox, OutboxRelay outboxRelay, ExecutionFiles files) {
        this.tx = tx;
        this.executions = executions;
        this.transitions = transitions;
        this.outbox = outbox;
        this.outboxRelay = outboxRelay;
        this.files = files;
    }

    /** A further step in the commit's transaction; true when it rolled the transaction back. */
    interface Step {
        boolean rolledBack(Connection connection) throws SQLException;
    }

    /**
     * Commits {@code row} and {@code event} with {@code step} in the same transaction.
     *
     * @param written the execution's stored files: removed when the row was certainly not committed
     * @return false when {@code step} rolled the transaction back (nothing committed, files kept for the caller)
     */
    boolean commit(ExecutionRecord row, ExecutionSubmitted event, List<String> written, Step step) {
        boolean rolledBack;
        try {
            rolledBack = tx.inTransaction(connection -> {
                executions.insert(connection, row);
                transitions.append(connection, new TransitionRepository.Transition(row.id(), 1, null,
                        ExecutionState.QUEUED, row.createdAt(), REPORTED_BY_API));
                outbox.append(connection, event);
                return step.rolledBack(connection);
            });
        } catch (RuntimeException e) {
            if (!committedAfterAll(row.id(), written)) {
                throw e;
            }
            rolledBack = false; // a rolled-back step undoes the row: the row is there, so the step committed
        }
        if (!rolledBack) {
            outboxRelay.wake();
        }
        return !rolledBack;
    }

    /**
     * After a failed commit: whether the row was committed after all. A commit that fails after it
     * reached the server (the database restarting at that moment) has an unknown outcome, and
     * deleting the files of a row that did commit leaves an execution that can only fail
     * (INPUT_UNAVAILABLE; the chaos suite caught it). So the database is asked, for a few seconds
     * while it comes back: a committed row keeps its files and the submission succeeds; no row, and
     * the files go. When it cannot be told, the files stay (unreferenced objects are harmless, a
     * row without its script is not).
     */
    private boolean committedAfterAll(UUID id, List<String> written) {
        for (int attempt = 1; attempt <= COMMIT_CHECKS; attempt++) {
            try {
                boolean committed = tx.read(c -> executions.find(c, id)).isPresent();
                if (!committed) {
                    files.discard(written);
                }
                return committed;
            } catch (RuntimeException e) {
                try {
                    Thread.sleep(COMMIT_CHECK_PAUSE.toMillis());
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        LOG.warnf("submission %s: the commit's outcome is unknown (the database did not answer); its %d objects are kept",
                id, written.size());
        return false;
    }
}
