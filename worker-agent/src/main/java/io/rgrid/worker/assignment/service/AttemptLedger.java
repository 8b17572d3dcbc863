package io.rgrid.worker.assignment.service;

import io.rgrid.model.ExecutionState;
import io.rgrid.model.FailureReason;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The attempts this agent finished (their terminal report acknowledged by Kafka) or fenced, kept
 * on disk so that a restarted agent still refuses them: an orchestrator that restarts re-sends
 * every ASSIGNED attempt, and an agent that forgot what it finished would run it again. One line
 * per fact, appended and synced before the agent acts on it; a torn last line (a crash during the
 * write) is skipped. A finished attempt's line also holds its outcome (state and reason, {@code -}
 * for none), which its heartbeats list; lines written before that was kept have none. Past twice
 * {@code limit} lines the newest {@code limit} are rewritten (a temporary file moved over the
 * ledger atomically).
 *
 * <p>It lives in the agent's work dir as {@link #FILE_NAME}, which the start-up clean-up keeps.
 */
final class AttemptLedger {

    private static final Logger LOG = Logger.getLogger(AttemptLedger.class);

    /** The ledger's name inside the work dir. */
    static final String FILE_NAME = ".attempts.ledger";

    enum Kind { FINISHED, FENCED }

    /** No reason, in a line. */
    private static final String NONE = "-";

    /**
     * One fact: an attempt finished or fenced at {@code at}; a finished one with the state and
     * reason of its terminal report (null when the line predates them).
     */
    record Entry(Kind kind, UUID executionId, int attempt, Instant at, ExecutionState outcome, FailureReason reason) {

        static Entry finished(UUID executionId, int attempt, Instant at, ExecutionState outcome,
                              FailureReason reason) {
            return new Entry(Kind.FINISHED, executionId, attempt, at, outcome, reason);
        }

        static Entry fenced(UUID executionId, int attempt, Instant at) {
            return new Entry(Kind.FENCED, executionId, attempt, at, null, null);
        }

        String line() {
            String fact = kind + " " + executionId + " " + attempt + " " + at.toEpochMilli();
            return (outcome == null ? fact : fact + " " + outcome + " " + (reason == null ? NONE : reason)) + "\n";
        }

        /** @return null for a line that is not a whole entry */
        static Entry parse(String line) {
            String[] parts = line.trim().split(" ");
            if (parts.length != 4 && parts.length != 6) {
                return null;
            }
            try {
                boolean withOutcome = parts.length == 6;
                return new Entry(Kind.valueOf(parts[0]), UUID.fromString(parts[1]), Integer.parseInt(parts[2]),
                        Instant.ofEpochMilli(Long.parseLong(parts[3])),
                        withOutcome ? ExecutionState.valueOf(parts[4]) : null,
                        withOutcome && !NONE.equals(parts[5]) ? FailureReason.valueOf(parts[5]) : null);
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
    }

    private final Path file;
    private final int limit;
    private final List<Entry> entries = new ArrayList<>();

    private AttemptLedger(Path file, int limit) {
        this.file = file;
        this.limit = limit;
    }

    /** Opens (reads) the ledger at {@code file}; a missing one is empty. */
    static AttemptLedger open(Path file, int limit) {
        AttemptLedger ledger = new AttemptLedger(file, limit);
        try {
            if (Files.exists(file)) {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    Entry entry = Entry.parse(line);
                    if (entry == null) {
                        LOG.warnf("skipping an unreadable line of %s: '%s'", file, line);
                    } else {
                        ledger.entries.add(entry);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the attempt ledger " + file, e);
        }
        return ledger;
    }

    /** What it holds, oldest first. */
    synchronized List<Entry> entries() {
        return List.copyOf(entries);
    }

    /** Appends a fact and syncs it to disk before returning. */
    synchronized void record(Entry entry) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, entry.line(), StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND, StandardOpenOption.DSYNC);
            entries.add(entry);
            if (entries.size() > 2 * limit) {
                compact();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the attempt ledger " + file, e);
        }
    }

    private void compact() throws IOException {
        List<Entry> kept = new ArrayList<>(entries.subList(entries.size() - limit, entries.size()));
        StringBuilder text = new StringBuilder();
        kept.forEach(entry -> text.append(entry.line()));
        Path next = file.resolveSibling(FILE_NAME + ".next");
        Files.writeString(next, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.DSYNC);
        Files.move(next, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        entries.clear();
        entries.addAll(kept);
    }
}
