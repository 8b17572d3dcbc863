package io.rgrid.model.config;

import java.nio.file.Path;
import java.util.Map;

/** Where the embedded local grid keeps its data: {@code $XDG_DATA_HOME/rgrid/local}, by default {@code ~/.local/share/rgrid/local}. */
public final class LocalGridPaths {

    private LocalGridPaths() {
    }

    public static Path dataDir(Map<String, String> env) {
        String xdg = env.get("XDG_DATA_HOME");
        Path base = xdg != null && !xdg.isBlank()
                ? Path.of(xdg)
                : Path.of(System.getProperty("user.home"), ".local", "share");
        return base.resolve("rgrid").resolve("local");
    }
}
