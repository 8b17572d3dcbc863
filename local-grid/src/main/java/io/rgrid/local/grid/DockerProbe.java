package io.rgrid.local.grid;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Asks the local Docker Engine, over its unix socket, whether it answers and whether an image
 * exists, so `local up` can tell the user up front how their scripts will run.
 */
public final class DockerProbe {

    public static final Path SOCKET = Path.of("/var/run/docker.sock");

    private DockerProbe() {
    }

    public static boolean engineAnswers() {
        return get("/_ping").startsWith("HTTP/1.0 200") || get("/_ping").startsWith("HTTP/1.1 200");
    }

    public static boolean imageExists(String image) {
        String status = get("/images/" + image + "/json");
        return status.startsWith("HTTP/1.0 200") || status.startsWith("HTTP/1.1 200");
    }

    /** @return the response's status line and headers, or "" when nothing answered */
    private static String get(String path) {
        if (!Files.exists(SOCKET)) {
            return "";
        }
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(SOCKET));
            channel.write(ByteBuffer.wrap(("GET " + path + " HTTP/1.0\r\nHost: docker\r\n\r\n").getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer buffer = ByteBuffer.allocate(512);
            channel.read(buffer);
            return new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII);
        } catch (IOException | UnsupportedOperationException e) {
            return "";
        }
    }
}
