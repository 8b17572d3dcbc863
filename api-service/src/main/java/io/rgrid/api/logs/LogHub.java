package io.rgrid.api.logs;

import io.rgrid.api.config.RgridConfig;
import io.rgrid.api.execution.repository.ExecutionRecord;
import io.rgrid.api.status.StateApplied;
import io.rgrid.model.event.ExecutionLogChunk;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;

/**
 * Fans live log chunks and state changes out to the followers of each execution in this process
 * (a state change only from the process that applied it), and keeps the
 * recent chunks of running executions so that a follower who joins late still sees the start of
 * the attempt (the complete log reaches S3 only when the attempt ends).
 */
@Singleton
public class LogHub {

    /** Receives an execution's chunks (possibly twice: it de-duplicates by seq), its state changes and its end. */
    public interface Follower {
        void chunk(ExecutionLogChunk chunk);

        /** A state change this process applied that did not end the execution (the end comes through {@link #end}). */
        default void state(ExecutionRecord row) {
        }

        void end(ExecutionRecord row);
    }

    private final Map<UUID, Set<Follower>> followers = new ConcurrentHashMap<>();
    private final int bufferChars;
    private final long maxBytes;
    private final LinkedHashMap<UUID, Recent> recent;
    /** Only the log consumer's thread writes it. */
    private volatile long refused;

    public LogHub(RgridConfig config) {
        this.bufferChars = config.logs().bufferChars();
        this.maxBytes = config.logs().maxBytes();
        int maxExecutions = config.logs().bufferedExecutions();
        this.recent = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<UUID, Recent> eldest) {
                return size() > maxExecutions;
            }
        };
    }

    /** Chunks of one execution, oldest first, bounded by characters. */
    private static final class Recent {
        final List<ExecutionLogChunk> chunks = new ArrayList<>();
        long chars;
    }

    /**
     * Whether a chunk lies within the log cap ({@code rgrid.logs.max-bytes}): its offset is known and
     * it ends at or before the cap. Workers cut their logs at the cap themselves; this refuses what
     * a misbehaving (or outdated, offset-less) agent sends past it.
     */
    static boolean withinCap(ExecutionLogChunk chunk, long maxBytes) {
        return chunk.offset() != null && chunk.offset() >= 0 && chunk.offset() + chunk.byteLength() <= maxBytes;
    }

    /** From the log consumer's thread; a chunk past the log cap is refused ({@link #withinCap}). */
    public void publish(ExecutionLogChunk chunk) {
        if (!withinCap(chunk, maxBytes)) {
            refused++;
            return;
        }
        synchronized (recent) {
            Recent r = recent.computeIfAbsent(chunk.executionId(), id -> new Recent());
            r.chunks.add(chunk);
            r.chars += chunk.text() == null ? 0 : chunk.text().length();
            while (r.chars > bufferChars && r.chunks.size() > 1) {
                ExecutionLogChunk dropped = r.chunks.removeFirst();
                r.chars -= dropped.text() == null ? 0 : dropped.text().length();
            }
        }
        for (Follower f : followers.getOrDefault(chunk.executionId(), Set.of())) {
            f.chunk(chunk);
        }
    }

    /** Registers first, then replays what is buffered, so no chunk falls between the two. */
    public void follow(UUID executionId, Follower follower) {
        followers.computeIfAbsent(executionId, id -> new CopyOnWriteArraySet<>()).add(follower);
        List<ExecutionLogChunk> snapshot;
        synchronized (recent) {
            Recent r = recent.get(executionId);
            snapshot = r == null ? List.of() : List.copyOf(r.chunks);
        }
        snapshot.forEach(follower::chunk);
    }

    public void unfollow(UUID executionId, Follower follower) {
        followers.computeIfPresent(executionId, (id, set) -> {
            set.remove(follower);
            return set.isEmpty() ? null : set;
        });
    }

    /** Chunks refused because they lie past the log cap (or carry no offset). */
    public long refused() {
        return refused;
    }

    /** Executions someone follows in this process. */
    public Set<UUID> followed() {
        return Set.copyOf(followers.keySet());
    }

    /** Ends every follower of a terminal execution and drops its buffered chunks. */
    public void ended(ExecutionRecord row) {
        if (!row.state().isTerminal()) {
            return;
        }
        synchronized (recent) {
            recent.remove(row.id());
        }
        Set<Follower> set = followers.remove(row.id());
        if (set != null) {
            set.forEach(f -> f.end(row));
        }
    }

    /** Tells the followers of an execution its new state (one that did not end it), as applied here. */
    public void changed(ExecutionRecord row) {
        if (row.state().isTerminal()) {
            return;
        }
        for (Follower f : followers.getOrDefault(row.id(), Set.of())) {
            f.state(row);
        }
    }

    void onStateApplied(@Observes StateApplied event) {
        changed(event.row());
        ended(event.row());
    }
}
