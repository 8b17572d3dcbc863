package io.rgrid.worker.storage;

import io.rgrid.model.agent.StorageAccess;
import io.rgrid.model.storage.CappedInputStream;
import io.rgrid.worker.config.WorkerConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Moves an attempt's files between the object store and its work directory with what the
 * assignment carries ({@link StorageAccess}): presigned GETs for the script, inputs and
 * requirements, and the run's presigned POST policy for the log and outputs. The agent holds no
 * store key and has no S3 client; the JDK's HttpClient sends the requests. A URL carries its
 * signature, so no message names one: they name what was fetched or the key stored.
 */
@ApplicationScoped
public class ExecutionStorage {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** The slowest transfer a request is given time for, on top of the store timeout. */
    static final long MIN_BYTES_PER_SECOND = 1024 * 1024;
    /** The S3 error code in an error body ({@code <Code>AccessDenied</Code>}). */
    private static final Pattern ERROR_CODE = Pattern.compile("<Code>([^<]{1,64})</Code>");

    /** Ends body reads that outlast their limit ({@link #copyWithin}). */
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "rgrid-store-watchdog");
        thread.setDaemon(true);
        return thread;
    });

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT)
            .version(HttpClient.Version.HTTP_1_1).build();
    private final Duration storeTimeout;

    @Inject
    public ExecutionStorage(WorkerConfig config) {
        this(config.worker().storeTimeout());
    }

    /** @param storeTimeout how long the store may take to answer beyond the transfer ({@link #requestTimeout}) */
    public ExecutionStorage(Duration storeTimeout) {
        if (storeTimeout.isNegative() || storeTimeout.isZero()) {
            throw new IllegalArgumentException("rgrid.worker.store-timeout must be positive, not " + storeTimeout);
        }
        this.storeTimeout = storeTimeout;
    }

    /**
     * A request's whole time until the store's answer (the JDK client's request timeout, which runs
     * while the body is sent): the store timeout plus {@code bytes} at {@link #MIN_BYTES_PER_SECOND}.
     */
    static Duration requestTimeout(Duration storeTimeout, long bytes) {
        return storeTimeout.plusMillis(Math.max(0, bytes) * 1000 / MIN_BYTES_PER_SECOND);
    }

    /**
     * Fetches one object by its presigned GET into {@code target} (replaced).
     *
     * @param what what is fetched, for the message ({@code the script}, {@code input data.csv})
     * @throws StorageException when the store refuses (a missing object: 404, an expired URL: 403;
     *                          final) or cannot be reached, fails (5xx, 429) or stalls: then
     *                          {@link StorageException#retryable()}
     */
    public void download(String url, Path target, String what) throws StorageException {
        try {
            Files.createDirectories(target.getParent());
        } catch (IOException e) {
            throw new StorageException("cannot fetch " + what + ": " + reason(e), e);
        }
        try {
            HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(URI.create(url))
                            .timeout(requestTimeout(storeTimeout, 0)).GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = response.body()) {
                if (response.statusCode() != 200) {
                    throw new StorageException("cannot fetch " + what + ": " + refusal(response.statusCode(), in), null,
                            transientStatus(response.statusCode()));
                }
                copyWithin(in, target, requestTimeout(storeTimeout,
                        response.headers().firstValueAsLong("content-length").orElse(0)), what);
            }
        } catch (HttpTimeoutException e) {
            throw new StorageException("cannot fetch " + what + ": the store did not answer within "
                    + storeTimeout.toSeconds() + " s (rgrid.worker.store-timeout)", e, true);
        } catch (IOException e) {
            // The store could not be reached, or the connection broke: worth another try.
            throw new StorageException("cannot fetch " + what + ": " + reason(e), e, true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StorageException("interrupted while fetching " + what, e);
        }
    }

    /**
     * Copies the body into {@code target} within {@code limit}: the JDK client's request timeout
     * ends at the headers, so a store that stalls in the middle of a body would hold the attempt
     * for ever. The reading thread is interrupted at the limit (the response stream's blocking
     * read ends on an interrupt), and the interrupt is cleared once the copy is over.
     */
    private static void copyWithin(InputStream in, Path target, Duration limit, String what)
            throws IOException, StorageException {
        Thread reader = Thread.currentThread();
        // Both sides under the lock: the interrupt lands during the copy or not at all.
        Object lock = new Object();
        boolean[] late = {false};
        boolean[] over = {false};
        ScheduledFuture<?> watchdog = WATCHDOG.schedule(() -> {
            synchronized (lock) {
                if (!over[0]) {
                    late[0] = true;
                    reader.interrupt();
                }
            }
        }, limit.toMillis(), TimeUnit.MILLISECONDS);
        try {
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            synchronized (lock) {
                if (late[0]) {
                    throw new StorageException("cannot fetch " + what + ": its body did not arrive within "
                            + limit.toSeconds() + " s (rgrid.worker.store-timeout plus its length at 1 MiB/s)", e,
                            true);
                }
            }
            throw e;
        } finally {
            watchdog.cancel(false);
            synchronized (lock) {
                over[0] = true;
                if (late[0]) {
                    Thread.interrupted(); // the watchdog's interrupt, not the caller's
                }
            }
        }
    }

    /** Stores a whole file under {@code key}, which the run's policy must admit. */
    public void upload(StorageAccess access, String key, Path source) throws StorageException {
        try {
            upload(access, key, source, Files.size(source));
        } catch (IOException e) {
            throw new StorageException("cannot store " + key + ": " + e.getMessage(), e);
        }
    }

    /**
     * Stores the first {@code length} bytes of a file that may still be growing (a running
     * attempt's log) under {@code key}: a browser-style form upload (multipart/form-data) with the
     * policy's fields, the key, and the file last. Bytes written after the length was taken are
     * not read.
     */
    public void upload(StorageAccess access, String key, Path source, long length) throws StorageException {
        String boundary = "rgrid-" + UUID.randomUUID();
        StringBuilder head = new StringBuilder();
        for (Map.Entry<String, String> field : access.uploadFields().entrySet()) {
            if (!field.getKey().equalsIgnoreCase("key") && !field.getKey().equalsIgnoreCase("file")) {
                formField(head, boundary, field.getKey(), field.getValue()); // ours come after
            }
        }
        formField(head, boundary, "key", key);
        head.append("--").append(boundary).append("\r\nContent-Disposition: form-data; name=\"file\"; filename=\"file\"\r\n")
                .append("Content-Type: application/octet-stream\r\n\r\n");
        byte[] before = head.toString().getBytes(StandardCharsets.UTF_8);
        byte[] after = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
        long bodyLength = before.length + length + after.length;
        Duration timeout = requestTimeout(storeTimeout, bodyLength);
        HttpRequest request = HttpRequest.newBuilder(URI.create(access.uploadUrl()))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .timeout(timeout)
                .POST(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(
                        () -> body(before, source, length, after)), bodyLength))
                .build();
        try {
            HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = response.body()) {
                if (response.statusCode() / 100 != 2) {
                    throw new StorageException("cannot store " + key + ": " + refusal(response.statusCode(), in), null,
                            transientStatus(response.statusCode()));
                }
                in.transferTo(OutputStream.nullOutputStream());
            }
        } catch (HttpTimeoutException e) {
            // The store took the request and did not answer in time: worth another try.
            throw new StorageException("cannot store " + key + ": the store did not answer within "
                    + timeout.toSeconds()
                    + " s (rgrid.worker.store-timeout is " + storeTimeout.toSeconds() + " s)", e, true);
        } catch (IOException | UncheckedIOException e) {
            // The store could not be reached, or the connection broke: worth another try.
            throw new StorageException("cannot store " + key + ": " + reason(e), e, true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StorageException("interrupted while storing " + key, e);
        }
    }

    private static InputStream body(byte[] before, Path source, long length, byte[] after) {
        try {
            InputStream file = new CappedInputStream(Files.newInputStream(source), length);
            return new SequenceInputStream(Collections.enumeration(List.of(
                    new ByteArrayInputStream(before), file, new ByteArrayInputStream(after))));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void formField(StringBuilder form, String boundary, String name, String value) {
        form.append("--").append(boundary).append("\r\nContent-Disposition: form-data; name=\"").append(name)
                .append("\"\r\n\r\n").append(value).append("\r\n");
    }

    /**
     * What went wrong, for the message: the JDK client's exceptions often have none (a refused
     * connection is a bare {@code ConnectException}), and "null" tells an operator nothing.
     */
    static String reason(Throwable e) {
        Throwable cause = e;
        while (cause.getMessage() == null && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause.getMessage() != null ? cause.getMessage()
                : cause.getClass().getSimpleName() + " (no detail; is the store up and reachable?)";
    }

    /** The store is overloaded or failing (5xx, 429): worth another try; any other refusal is final. */
    private static boolean transientStatus(int status) {
        return status >= 500 || status == 429;
    }

    /** "HTTP 403 AccessDenied": the status and the store's error code, when its body has one. */
    private static String refusal(int status, InputStream body) throws IOException {
        byte[] start = body.readNBytes(4096);
        Matcher code = ERROR_CODE.matcher(new String(start, StandardCharsets.UTF_8));
        return "HTTP " + status + (code.find() ? " " + code.group(1) : "");
    }

    /** A storage operation failed; the message says which object. */
    public static final class StorageException extends Exception {
        private final boolean retryable;

        /** A failure that trying again would not mend (a refusal, an interrupt). */
        public StorageException(String message, Throwable cause) {
            this(message, cause, false);
        }

        /** @param retryable the store did not answer or failed (I/O error, 5xx, 429): trying again may succeed */
        public StorageException(String message, Throwable cause, boolean retryable) {
            super(message, cause);
            this.retryable = retryable;
        }

        public boolean retryable() {
            return retryable;
        }
    }
}
