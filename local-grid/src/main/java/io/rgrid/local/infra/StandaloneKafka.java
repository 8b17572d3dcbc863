package io.rgrid.local.infra;

import io.rgrid.local.Layout;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/**
 * {@code local-grid.jar kafka}: one {@link KafkaServer} in the foreground, for a test that needs a
 * broker of its own, one it can make unreachable without disturbing the run's shared servers
 * (test-infra's {@code PausableKafka} starts it as a child and pauses the broker JVM).
 *
 * <p>The broker's configuration, data and log ({@code kafka.log}) are under {@code dir}. It stops
 * the broker and exits 0 when its standard input reaches its end (the process that started it
 * closed it or is gone, so a test JVM killed mid-run leaves no broker behind) or on SIGTERM, and
 * exits 1 when the broker died by itself.
 */
public final class StandaloneKafka {

    private StandaloneKafka() {
    }

    public static int run(Path dir, int port, int controllerPort) {
        KafkaServer kafka = KafkaServer.start(Layout.detect().libDir(), dir, port, controllerPort, dir.resolve("kafka.log"));
        Runtime.getRuntime().addShutdownHook(new Thread(kafka::stop, "kafka-shutdown"));
        System.out.println("[kafka] ready on " + kafka.bootstrapServers() + " (broker pid " + kafka.process().pid()
                + ", log " + kafka.process().logFile() + ")");
        Thread stdin = Thread.ofPlatform().daemon().name("kafka-stdin").start(StandaloneKafka::readToEnd);
        while (kafka.process().isAlive() && stdin.isAlive()) {
            ManagedProcess.sleep(500);
        }
        if (!kafka.process().isAlive()) {
            System.out.println("[kafka] the broker exited; see " + kafka.process().logFile());
            return 1;
        }
        System.out.println("[kafka] standard input closed; stopping the broker");
        return 0;
    }

    private static void readToEnd() {
        byte[] buffer = new byte[256];
        try (InputStream in = System.in) {
            while (in.read(buffer) >= 0) {
                // nothing to read but the end
            }
        } catch (IOException e) {
            // a broken pipe is an end as well
        }
    }
}
