package io.rgrid.local.infra;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class PortsTest {

    @Test
    void freePortsAreBelowTheEphemeralRangeDistinctAndBindable() throws IOException {
        int ephemeralLow = Ports.ephemeralLow();
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            int port = Ports.free();
            assertThat(seen.add(port)).as("port %d handed out twice", port).isTrue();
            if (ephemeralLow > 11_000) { // Linux with room below its range: never a port an outgoing connection may take
                assertThat(port).isBetween(10_000, ephemeralLow - 1);
            }
            try (ServerSocket socket = new ServerSocket()) {
                socket.bind(new InetSocketAddress(Ports.LOOPBACK, port));
            }
        }
    }

    @Test
    void aBoundPortIsNotFree() throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(Ports.LOOPBACK, Ports.free()));
            assertThat(Ports.isFree(socket.getLocalPort())).isFalse();
        }
    }
}
