package io.rgrid.hetzner.emulator;

/**
 * Decides from what a node container shows whether its boot is still going, done or failed: the container must be
 * running, and systemd's {@code systemctl is-system-running} state says the rest. {@code running} and
 * {@code degraded} (booted with a failed unit) are done, as on a real server whose console would be up;
 * {@code initializing}, {@code starting}, no answer yet, {@code Failed to connect to bus} (the first second of a boot) and {@code offline} (what systemctl says before PID 1's
 * bus is up, and also when PID 1 is not systemd: the caller's boot timeout ends that case) are booting;
 * {@code maintenance}, {@code stopping} and anything else are failures.
 */
public enum BootProgress {
    BOOTING, BOOTED, FAILED;

    /**
     * @param containerRunning whether Docker reports the container running
     * @param systemState      the output of {@code systemctl is-system-running} (null or blank when it gave none)
     */
    public static BootProgress of(boolean containerRunning, String systemState) {
        if (!containerRunning) {
            return FAILED;
        }
        String state = systemState == null ? "" : systemState.strip();
        if (state.startsWith("Failed to connect to bus")) {
            return BOOTING; // PID 1 has not opened its bus yet
        }
        return switch (state) {
            case "running", "degraded" -> BOOTED;
            case "", "initializing", "starting", "offline" -> BOOTING;
            default -> FAILED;
        };
    }
}
