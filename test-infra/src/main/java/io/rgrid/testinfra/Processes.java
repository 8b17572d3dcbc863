package io.rgrid.testinfra;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * What tests check about processes, read straight from Linux's /proc (independent of the code under
 * test), and the SIGKILL they send.
 */
public final class Processes {

    private Processes() {
    }

    /** Whether the process runs (a zombie does not: it is gone, only not yet reaped by its new parent). */
    public static boolean running(long pid) {
        char state = state(pid);
        return state != 'Z' && state != '?';
    }

    /** Whether the process is stopped by a signal (SIGSTOP: state {@code T}) and waits for SIGCONT. */
    public static boolean stopped(long pid) {
        return state(pid) == 'T';
    }

    /** SIGKILL to the process, if it exists, and its end awaited (30 s, then an IllegalStateException). */
    public static void kill9(long pid) {
        ProcessHandle.of(pid).ifPresent(p -> {
            p.destroyForcibly(); // SIGKILL on Linux
            try {
                p.onExit().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("process " + pid + " survived SIGKILL for 30 s", e);
            }
        });
    }

    /** The state letter of /proc/PID/stat ({@code R}, {@code S}, {@code T}, {@code Z}, …), {@code ?} for no such process. */
    private static char state(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
            return stat.charAt(stat.lastIndexOf(')') + 2);
        } catch (IOException e) {
            return '?';
        }
    }
}
