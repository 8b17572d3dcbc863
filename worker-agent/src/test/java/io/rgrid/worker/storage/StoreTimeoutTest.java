package io.rgrid.worker.storage;

import io.rgrid.model.agent.StorageAccess;
import io.rgrid.worker.storage.ExecutionStorage.StorageException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A store that takes the connection and never answers (rgrid.worker.store-timeout): a fetch and an
 * upload each fail within the timeout, an upload as worth another try, with a message that names
 * the setting. The "store" is a loopback socket that reads everything and answers nothing, the
 * one fault a real S3 server cannot be made to show.
 */
class StoreTimeoutTest {

    @TempDir
    Path dir;

    private ServerSocket silent;
    private final List<Socket> taken = new CopyOnWriteArrayList<>();

    @BeforeEach
    void openSilentStore() throws IOException {
        silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofPlatform().daemon().name("silent-store").start(() -> {
            while (!silent.isClosed()) {
                try {
                    Socket client = silent.accept();
                    taken.add(client);
                    Thread.ofVirtual().start(() -> drain(client));
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    @AfterEach
    void closeSilentStore() throws IOException {
        silent.close();
        for (Socket socket : taken) {
            socket.close();
        }
    }

    @Test
    void anUploadToAStoreThatNeverAnswersFailsRetryablyWithinTheTimeout() throws Exception {
        Path file = Files.writeString(dir.resolve("result.txt"), "42");
        StorageAccess access = new StorageAccess("run", "unused", Map.of(), null, url("/bucket"), Map.of("policy", "p"),
                Instant.now().plusSeconds(600));
        Instant start = Instant.now();

        assertThatThrownBy(() -> new ExecutionStorage(Duration.ofSeconds(1)).upload(access, "a/key", file))
                .isInstanceOfSatisfying(StorageException.class, e -> assertThat(e.retryable()).isTrue())
                .hasMessage("cannot store a/key: the store did not answer within 1 s (rgrid.worker.store-timeout is 1 s)");
        assertThat(Duration.between(start, Instant.now())).isLessThan(Duration.ofSeconds(20));
        assertThat(taken).isNotEmpty();
    }

    @Test
    void aFetchFromAStoreThatNeverAnswersFailsWithinTheTimeout() {
        Instant start = Instant.now();

        assertThatThrownBy(() -> new ExecutionStorage(Duration.ofSeconds(1)).download(url("/bucket/script.py"),
                dir.resolve("main.py"), "the script"))
                .isInstanceOf(StorageException.class)
                .hasMessage("cannot fetch the script: the store did not answer within 1 s (rgrid.worker.store-timeout)");
        assertThat(Duration.between(start, Instant.now())).isLessThan(Duration.ofSeconds(20));
    }

    /**
     * The store answers, sends 10 bytes of a 1000-byte body and stalls: the JDK client's request
     * timeout is over (it ends at the headers), the body read is bounded on its own.
     */
    @Test
    @Timeout(60) // without the bound the read never ends
    void aFetchWhoseBodyStallsAfterTheHeadersFailsWithinTheTimeout() throws Exception {
        try (ServerSocket stalling = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread.ofPlatform().daemon().name("stalling-store").start(() -> {
                try {
                    Socket client = stalling.accept();
                    taken.add(client);
                    InputStream in = client.getInputStream();
                    int matched = 0;
                    while (matched < 4) { // the request's headers end at CRLF CRLF
                        int b = in.read();
                        if (b < 0) {
                            return;
                        }
                        matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
                    }
                    OutputStream out = client.getOutputStream();
                    out.write(("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nContent-Type: text/plain\r\n\r\n"
                            + "print('hi'").getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                } catch (IOException e) {
                    // closed by the test
                }
            });
            Path target = dir.resolve("script.py");
            Instant start = Instant.now();

            assertThatThrownBy(() -> new ExecutionStorage(Duration.ofSeconds(1)).download(
                    "http://127.0.0.1:" + stalling.getLocalPort() + "/bucket/script.py", target, "the script"))
                    .isInstanceOf(StorageException.class)
                    .hasMessage("cannot fetch the script: its body did not arrive within 1 s "
                            + "(rgrid.worker.store-timeout plus its length at 1 MiB/s)");
            assertThat(Duration.between(start, Instant.now())).isLessThan(Duration.ofSeconds(20));
            assertThat(Thread.currentThread().isInterrupted()).as("the watchdog's interrupt is not left behind")
                    .isFalse();
        }
    }

    /** A refused connection has no message of its own: the store error says what it was, never "null". */
    @Test
    void anUploadToAClosedPortSaysWhatFailed() throws Exception {
        int closed;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = probe.getLocalPort();
        }
        Path file = Files.writeString(dir.resolve("result.txt"), "42");
        StorageAccess access = new StorageAccess("run", "unused", Map.of(), null,
                "http://127.0.0.1:" + closed + "/bucket", Map.of("policy", "p"), Instant.now().plusSeconds(600));

        assertThatThrownBy(() -> new ExecutionStorage(Duration.ofSeconds(5)).upload(access, "a/key", file))
                .isInstanceOfSatisfying(StorageException.class, e -> assertThat(e.retryable()).isTrue())
                .hasMessageStartingWith("cannot store a/key: ")
                .hasMessageNotContaining("null");
        assertThat(ExecutionStorage.reason(new ConnectException()))
                .isEqualTo("ConnectException (no detail; is the store up and reachable?)");
        assertThat(ExecutionStorage.reason(new IOException(new ConnectException("Connection refused"))))
                .isEqualTo("java.net.ConnectException: Connection refused");
    }

    /** A large upload gets its bytes' time on top: 10 MiB at 1 MiB/s is 10 s more. */
    @Test
    void theRequestTimeoutGrowsWithTheBytesSent() {
        assertThat(ExecutionStorage.requestTimeout(Duration.ofSeconds(60), 0)).isEqualTo(Duration.ofSeconds(60));
        assertThat(ExecutionStorage.requestTimeout(Duration.ofSeconds(60), 10L * 1024 * 1024)).isEqualTo(Duration.ofSeconds(70));
        assertThat(ExecutionStorage.requestTimeout(Duration.ofSeconds(60), 512 * 1024)).isEqualTo(Duration.ofMillis(60_500));
    }

    @Test
    void aTimeoutThatIsNotPositiveIsRefused() {
        assertThatThrownBy(() -> new ExecutionStorage(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("rgrid.worker.store-timeout must be positive, not PT0S");
    }

    private String url(String path) {
        return "http://127.0.0.1:" + silent.getLocalPort() + path;
    }

    private static void drain(Socket client) {
        try (InputStream in = client.getInputStream()) {
            in.transferTo(OutputStream.nullOutputStream());
        } catch (IOException e) {
            // closed by the client's give-up or by the test
        }
    }
}
