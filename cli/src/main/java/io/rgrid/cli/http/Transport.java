package io.rgrid.cli.http;

import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLSocketFactory;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpRetryException;
import java.net.HttpURLConnection;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * HTTP/1.1 exchanges over {@link HttpURLConnection} (kept-alive connections are reused between
 * calls). The CLI used java.net.http's HttpClient before; starting that client (its selector
 * thread, and the default TLS context with the system's trust store even for an http URL) cost
 * about 0.4 s of CPU per command (docs/benchmarks.md, issue 29). An https URL is verified as
 * always: the system's trust anchors, or {@link CaTrust}'s with a CA file; redirects are never followed.
 */
final class Transport implements AutoCloseable {

    /** A request: method, path below the API URL, read timeout (null: none), headers, body (null: none). */
    static final class Request {
        final String method;
        final String path;
        final Duration timeout;
        final Map<String, String> headers = new LinkedHashMap<>();
        Body body;
        ApiClient.Progress progress;

        Request(String method, String path, Duration timeout) {
            this.method = method;
            this.path = path;
            this.timeout = timeout;
        }

        Request header(String name, String value) {
            headers.put(name, value);
            return this;
        }

        Request body(Body content, ApiClient.Progress upload) {
            this.body = content;
            this.progress = upload;
            return this;
        }
    }

    /** An answer whose body is still to be read; closing it returns the connection for reuse. */
    record Reply(int status, String contentType, InputStream body) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            body.close();
        }
    }

    /** The connect phase took longer than the connect timeout. */
    static final class ConnectTimeout extends IOException {
        ConnectTimeout(SocketTimeoutException cause) {
            super(cause.getMessage(), cause);
        }
    }

    /**
     * Bodies up to this size are buffered by the connection before they are sent, larger ones are
     * streamed from disk. A streamed body's 401 reaches us without its problem body
     * (HttpURLConnection answers it with an HttpRetryException), so a small submission, the common
     * case, keeps the API's message.
     */
    static final long BUFFERED_BODY_MAX_BYTES = 1024 * 1024;

    private final URI base;
    private final Duration connectTimeout;
    private final SSLSocketFactory tls;
    /** Connections whose answer is being read: closed by {@link #close()} so no thread is left reading. */
    private final Set<HttpURLConnection> open = ConcurrentHashMap.newKeySet();

    /**
     * @param tls the TLS socket factory for https, or null for the JDK's default (the system's trust store)
     */
    Transport(URI base, Duration connectTimeout, SSLSocketFactory tls) {
        this.base = base;
        this.connectTimeout = connectTimeout;
        this.tls = tls;
    }

    URI uri(String path) {
        return URI.create(base + path);
    }

    Reply send(Request request) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) uri(request.path).toURL().openConnection();
        if (tls != null && connection instanceof HttpsURLConnection https) {
            https.setSSLSocketFactory(tls);
        }
        connection.setRequestMethod(request.method);
        connection.setInstanceFollowRedirects(false);
        connection.setUseCaches(false);
        connection.setConnectTimeout((int) connectTimeout.toMillis());
        connection.setReadTimeout(request.timeout == null ? 0 : (int) request.timeout.toMillis());
        request.headers.forEach(connection::setRequestProperty);
        if (request.body != null) {
            connection.setDoOutput(true);
            if (request.body.length() > BUFFERED_BODY_MAX_BYTES) {
                connection.setFixedLengthStreamingMode(request.body.length());
            }
        }
        try {
            connection.connect();
        } catch (SocketTimeoutException e) {
            throw new ConnectTimeout(e);
        }
        open.add(connection);
        try {
            if (request.body != null) {
                try (OutputStream out = request.progress == null ? connection.getOutputStream()
                        : new CountingOutput(connection.getOutputStream(), request.progress, request.body.length())) {
                    request.body.writeTo(out);
                }
            }
            int status = status(connection);
            InputStream body = status >= 400 ? connection.getErrorStream() : connection.getInputStream();
            String type = connection.getContentType();
            return new Reply(status, type == null ? "" : type,
                    new Tracked(body == null ? InputStream.nullInputStream() : body, connection));
        } catch (IOException | RuntimeException e) {
            open.remove(connection);
            connection.disconnect();
            throw e;
        }
    }

    /** The status; a 401 to a streamed body surfaces as HttpRetryException, which still has the code (not the body). */
    private static int status(HttpURLConnection connection) throws IOException {
        try {
            return connection.getResponseCode();
        } catch (HttpRetryException e) {
            return e.responseCode();
        }
    }

    /** Closes the connections still being read (a live log stream), so no thread waits on a socket at exit. */
    @Override
    public void close() {
        for (HttpURLConnection connection : open) {
            connection.disconnect();
        }
        open.clear();
    }

    /** An answer's body that forgets its connection once closed. */
    private final class Tracked extends FilterInputStream {
        private final HttpURLConnection connection;

        Tracked(InputStream in, HttpURLConnection connection) {
            super(in);
            this.connection = connection;
        }

        @Override
        public void close() throws IOException {
            open.remove(connection);
            super.close();
        }
    }
}
