package io.rgrid.hetzner.emulator;

/**
 * Hook for tests that want an emulated server to "be" something, e.g. start a real worker-agent when the server
 * becomes {@code running} and stop it when the server is deleted. Called on the emulator's listener thread, one event
 * at a time and never while the emulator holds its state lock, so a slow hook delays other hooks but not the API.
 */
public interface ServerLifecycleListener {

    /** The server reached status {@code running} (its start action succeeded). */
    default void onRunning(ServerInfo server) {
    }

    /** The server was deleted through the API; it is already gone from every listing. */
    default void onDeleted(ServerInfo server) {
    }
}
