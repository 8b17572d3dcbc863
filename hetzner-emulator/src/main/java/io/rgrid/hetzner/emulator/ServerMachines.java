package io.rgrid.hetzner.emulator;

import java.io.IOException;
import java.util.List;

/**
 * Where servers are machines: a backend that makes each emulated server a real host. Without one (the default)
 * the emulator is purely in memory and a server's boot is a timer. {@link ContainerMachines} is the one
 * implementation: each server a node container on a Docker network.
 *
 * <p>The emulator calls these on its own threads (never while holding its state lock), one server at a time per
 * call; a call for a server that is deleted meanwhile is followed by {@link #remove}.
 */
public interface ServerMachines {

    /**
     * Creates the machine of a server, not yet running, with its cloud-init seed in place.
     *
     * @param address        the server's address on the machines' network (its private_net ip)
     * @param authorizedKeys the public keys of the SSH keys the server was created with
     */
    void create(ServerInfo server, String address, List<String> authorizedKeys) throws IOException;

    /** Powers the machine on and returns once its operating system has finished booting. */
    void start(ServerInfo server) throws IOException;

    /** Removes the machine of a server and everything made for it alone; nothing when there is none. */
    void remove(ServerInfo server);
}
