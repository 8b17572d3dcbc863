package io.rgrid.platform.signal;

import org.junit.jupiter.api.Test;

import java.net.URL;
import java.net.URLClassLoader;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class RoundLoopTest {

    private static final Duration LONG = Duration.ofHours(1);

    @Test
    void aRoundThatDidWorkGoesAgainAtOnceAnIdleOneWaitsForTheTickOrAWakeUp() throws Exception {
        AtomicInteger rounds = new AtomicInteger();
        RoundLoop loop = new RoundLoop("test-loop", Duration.ofSeconds(5), () -> LONG,
                () -> rounds.incrementAndGet() < 5, e -> LONG);
        loop.start();
        try {
            await().atMost(Duration.ofSeconds(5)).until(() -> rounds.get() == 5);
            // idle: waiting for the (hour-long) tick
            await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(1)).until(() -> rounds.get() == 5);

            loop.wake();
            await().atMost(Duration.ofSeconds(5)).until(() -> rounds.get() == 6);
        } finally {
            loop.stop();
        }
        assertThat(loop.running()).isFalse();
    }

    @Test
    void aShortTickRunsIdleRoundsAgain() {
        AtomicInteger rounds = new AtomicInteger();
        RoundLoop loop = new RoundLoop("test-loop", Duration.ofSeconds(5), () -> Duration.ofMillis(10),
                () -> rounds.incrementAndGet() < 0, e -> LONG);
        loop.start();
        try {
            await().atMost(Duration.ofSeconds(5)).until(() -> rounds.get() >= 3);
        } finally {
            loop.stop();
        }
    }

    @Test
    void aFailedRoundIsHandedToTheHandlerAndWaitsWhatItSays() throws Exception {
        List<RuntimeException> failures = new CopyOnWriteArrayList<>();
        RoundLoop loop = new RoundLoop("test-loop", Duration.ofSeconds(5), () -> Duration.ZERO, () -> {
            throw new IllegalStateException("down");
        }, e -> {
            failures.add(e);
            return LONG;
        });
        loop.start();
        try {
            await().atMost(Duration.ofSeconds(5)).until(() -> failures.size() == 1);
            // backing off for the handler's (hour-long) wait: no second try
            await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(1)).until(() -> failures.size() == 1);
            assertThat(failures).first().extracting(Throwable::getMessage).isEqualTo("down");

            loop.wake(); // ends the back-off early
            await().atMost(Duration.ofSeconds(5)).until(() -> failures.size() == 2);
        } finally {
            loop.stop();
        }
    }

    @Test
    void runsOnANamedDaemonThreadWithTheGivenContextLoaderAndStopEndsIt() throws Exception {
        AtomicReference<Thread> ran = new AtomicReference<>();
        AtomicInteger rounds = new AtomicInteger();
        try (URLClassLoader loader = new URLClassLoader(new URL[0], getClass().getClassLoader())) {
            RoundLoop loop = new RoundLoop("test-named", Duration.ofSeconds(5), () -> LONG, () -> {
                ran.set(Thread.currentThread());
                rounds.incrementAndGet();
                return false;
            }, e -> LONG);
            loop.start(loader);
            loop.start(loader); // already running: no second thread
            await().atMost(Duration.ofSeconds(5)).until(() -> ran.get() != null);
            assertThat(loop.running()).isTrue();
            assertThat(ran.get().getName()).isEqualTo("test-named");
            assertThat(ran.get().isDaemon()).isTrue();
            assertThat(ran.get().getContextClassLoader()).isSameAs(loader);

            loop.stop();
            assertThat(ran.get().isAlive()).isFalse();
            assertThat(rounds.get()).isEqualTo(1);
        }
    }
}
