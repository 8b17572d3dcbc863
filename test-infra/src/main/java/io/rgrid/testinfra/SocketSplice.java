package io.rgrid.testinfra;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.Collection;

/**
 * Two connected sockets joined both ways, the core of the tests' TCP relays (api-service's
 * {@code TcpGate}, worker-agent's {@code StoreLink}): bytes flow each way on a virtual thread
 * until either side closes, then both are closed and dropped from {@code open}, which the relay
 * keeps to cut every connection at once.
 */
public final class SocketSplice {

    private SocketSplice() {
    }

    /** Pumps {@code a} ⇄ {@code b} in the background; both are in {@code open} while they last. */
    public static void join(Socket a, Socket b, Collection<Socket> open) {
        open.add(a);
        open.add(b);
        Thread.ofVirtual().start(() -> pump(a, b, open));
        Thread.ofVirtual().start(() -> pump(b, a, open));
    }

    public static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception ignored) {
            // already closed
        }
    }

    private static void pump(Socket from, Socket to, Collection<Socket> open) {
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            in.transferTo(out);
        } catch (Exception e) {
            // one side closed, or the relay cut it: close both
        } finally {
            closeQuietly(from);
            closeQuietly(to);
            open.remove(from);
            open.remove(to);
        }
    }
}
