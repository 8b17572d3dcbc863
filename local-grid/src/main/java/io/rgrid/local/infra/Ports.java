package io.rgrid.local.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/** Loopback port helpers. Everything the local grid starts listens on 127.0.0.1 only. */
public final class Ports {

    public static final String LOOPBACK = "127.0.0.1";

    /** Where Linux keeps the range of local ports it gives outgoing connections and binds to port 0. */
    static final String EPHEMERAL_RANGE = "/proc/sys/net/ipv4/ip_local_port_range";
    /** The lowest port {@link #free} picks: above the registered services most machines run. */
    private static final int LOWEST_PICKED = 10_000;
    /** Every port {@link #free} handed out in this JVM: two calls before either port is bound never collide. */
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    private Ports() {
    }

    /**
     * A port that was free a moment ago, chosen below the kernel's ephemeral range
     * ({@value #EPHEMERAL_RANGE}). A port the OS picks (a bind to port 0) comes from that range,
     * where any outgoing connection made before the caller binds the port may take it as its local
     * port: a chaos grid's api-service once found its port taken when it started, 90 s after the
     * port was picked, while the grid's servers started and their clients connected. Never the same
     * port twice in one JVM. Where the range cannot be read or leaves too little room below it, the
     * OS picks.
     */
    public static int free() {
        int below = ephemeralLow();
        if (below - LOWEST_PICKED >= 1000) {
            for (int i = 0; i < 100; i++) {
                int port = ThreadLocalRandom.current().nextInt(LOWEST_PICKED, below);
                if (isFree(port) && HANDED_OUT.add(port)) {
                    return port;
                }
            }
        }
        return osPicked();
    }

    private static int osPicked() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }

    /** The lowest port of the kernel's ephemeral range; 0 when it cannot be read (not Linux). */
    static int ephemeralLow() {
        try {
            // readAllLines: Files.readString of this procfs file returned its first byte only (JDK 25)
            String range = String.join(" ", Files.readAllLines(Path.of(EPHEMERAL_RANGE))).trim();
            return Integer.parseInt(range.split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    public static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(LOOPBACK, port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public static boolean answers(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(LOOPBACK, port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
