package io.rgrid.worker.assignment.service;

import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The agent's log timers: every 200 ms the live logs' buffered lines go out as chunks, and every
 * second the running attempts upload their partial logs, each on a thread of its own (an S3
 * upload may be slow, and must not hold up the live chunks).
 */
final class LogSchedules implements AttemptRunner.AttemptLogs {

    private static final Logger LOG = Logger.getLogger(LogSchedules.class);
    private static final Duration LOG_FLUSH_INTERVAL = Duration.ofMillis(200);

    private final Supplier<List<AttemptRunner>> running;
    private final Set<AttemptLog> liveLogs = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService logFlusher = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("rgrid-log-flusher").factory());
    private final ScheduledExecutorService logUploader = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("rgrid-log-upload").factory());

    /** @param running the attempts running now */
    LogSchedules(Supplier<List<AttemptRunner>> running) {
        this.running = running;
    }

    void start() {
        long every = LOG_FLUSH_INTERVAL.toMillis();
        logFlusher.scheduleWithFixedDelay(this::flushLogs, every, every, TimeUnit.MILLISECONDS);
        // Its own thread: an S3 upload may be slow, and must not hold up the live chunks.
        logUploader.scheduleWithFixedDelay(this::uploadPartialLogs, 1, 1, TimeUnit.SECONDS);
    }

    void stop() {
        logFlusher.shutdownNow();
        logUploader.shutdownNow();
    }

    @Override
    public void started(AttemptLog log) {
        liveLogs.add(log);
    }

    @Override
    public void finished(AttemptLog log) {
        liveLogs.remove(log);
    }

    private void uploadPartialLogs() {
        for (AttemptRunner runner : running.get()) {
            runner.uploadPartialLog();
        }
    }

    private void flushLogs() {
        for (AttemptLog log : liveLogs) {
            try {
                log.flush();
            } catch (RuntimeException e) {
                LOG.debugf("Log flush failed: %s", e.getMessage());
            }
        }
    }
}
