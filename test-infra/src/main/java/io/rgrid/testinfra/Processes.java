package io.rgrid.testinfra;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** What tests check about processes, read straight from Linux's /proc (independent of the code under test). */
public final class Processes {

    private Processes() {
    }

    /** Whether the process runs (a zombie does not: it is gone, only not yet reaped by its new parent). */
    public static boolean running(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException e) {
            return false;
        }
    }
}
