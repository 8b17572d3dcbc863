package io.rgrid.worker.testing;

import io.rgrid.testinfra.SocketSplice;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The network path from an agent to the real object store, which a test can cut and restore: a
 * loopback TCP relay in front of the test run's shared S3 server (which other test classes use at
 * the same time, so it is never stopped itself). While cut, every connection is closed unanswered
 * once the request's first bytes are read (kept, so a test can tell which object an upload was
 * for: the key is a form field), and those open are closed: the agent sees what it sees of a store
 * that went away (the connection reset). Hung, every new connection is taken and read but never
 * answered, as a store that hangs: the agent sees nothing until its own timeout. Restored,
 * connections reach the same store and data again.
 */
public final class StoreLink implements AutoCloseable {

    /** The part of a refused request kept: its head and the form fields before the file. */
    private static final int MAX_KEPT = 16 * 1024;
    private static final Duration READ_TIMEOUT = Duration.ofMillis(500);

    private final ServerSocket server;
    private final String targetHost;
    private final int targetPort;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final List<String> refused = new CopyOnWriteArrayList<>();
    private final List<String> held = new CopyOnWriteArrayList<>();
    private volatile boolean cut;
    private volatile boolean hung;

    private StoreLink(ServerSocket server, URI target) {
        this.server = server;
        this.targetHost = target.getHost();
        this.targetPort = target.getPort();
    }

    /** A relay to the store at {@code endpoint} ({@code http://host:port}). */
    public static StoreLink to(String endpoint) {
        try {
            StoreLink link = new StoreLink(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()), URI.create(endpoint));
            Thread.ofPlatform().daemon().name("store-link-accept").start(link::accept);
            return link;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** This link's endpoint ({@code http://127.0.0.1:port}): what URLs signed for the link name. */
    public String endpoint() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    /** {@code url} (on the store's endpoint) through this link. */
    public String via(String url) {
        URI uri = URI.create(url);
        return uri.getScheme() + "://127.0.0.1:" + server.getLocalPort() + uri.getRawPath()
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    }

    /** The store is unreachable from now on: new connections are closed at once, open ones now. */
    public void cut() {
        cut = true;
        for (Socket socket : open) {
            SocketSplice.closeQuietly(socket);
        }
    }

    /** The store hangs from now on: new connections are taken and read, never answered (until the agent gives up). */
    public void hang() {
        hung = true;
    }

    public void restore() {
        cut = false;
        hung = false;
    }

    /** Connections closed unanswered while the link was cut. */
    public int refused() {
        return refused.size();
    }

    /** Uploads (form POSTs) of the object {@code key} refused while the link was cut. */
    public long refusedUploads(String key) {
        return uploads(refused, key);
    }

    /** Fetches (GETs) of the object {@code key} in {@code bucket} refused while the link was cut. */
    public long refusedFetches(String bucket, String key) {
        String line = "GET /" + bucket + "/" + key + "?";
        return refused.stream().filter(request -> request.startsWith(line)).count();
    }

    /** Uploads of the object {@code key} the hung link took and the agent gave up on (closed its end). */
    public long heldUploads(String key) {
        return uploads(held, key);
    }

    private static long uploads(List<String> requests, String key) {
        String field = "name=\"key\"\r\n\r\n" + key + "\r\n";
        return requests.stream().filter(request -> request.contains(field)).count();
    }

    @Override
    public void close() {
        SocketSplice.closeQuietly(server);
        cut();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                if (cut) {
                    Thread.ofVirtual().start(() -> refuse(client));
                    continue;
                }
                if (hung) {
                    open.add(client);
                    Thread.ofVirtual().start(() -> hold(client));
                    continue;
                }
                SocketSplice.join(client, new Socket(targetHost, targetPort), open);
            } catch (IOException e) {
                // closed, or the store refused: the client sees its connection end
            }
        }
    }

    /** Reads what the agent sends and never answers; the request is counted once the agent closes its end. */
    private void hold(Socket client) {
        StringBuilder request = new StringBuilder();
        try {
            InputStream in = client.getInputStream();
            byte[] buffer = new byte[4096];
            int read;
            while ((read = in.read(buffer)) > 0) {
                if (request.length() < MAX_KEPT) {
                    request.append(new String(buffer, 0, read, StandardCharsets.ISO_8859_1));
                }
            }
        } catch (IOException e) {
            // the agent (or close()) ended the connection
        } finally {
            held.add(request.toString());
            open.remove(client);
            SocketSplice.closeQuietly(client);
        }
    }

    private void refuse(Socket client) {
        StringBuilder request = new StringBuilder();
        try {
            client.setSoTimeout((int) READ_TIMEOUT.toMillis());
            InputStream in = client.getInputStream();
            byte[] buffer = new byte[4096];
            int read;
            while (request.length() < MAX_KEPT && (read = in.read(buffer)) > 0) {
                request.append(new String(buffer, 0, read, StandardCharsets.ISO_8859_1));
            }
        } catch (IOException e) {
            // the request's start is all a test needs
        } finally {
            refused.add(request.toString());
            SocketSplice.closeQuietly(client);
        }
    }
}
