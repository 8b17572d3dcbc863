package io.rgrid.cli.command;

import io.rgrid.cli.core.CliException;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.List;
import java.util.stream.Stream;

/**
 * Expands --input and --batch arguments. A quoted glob reaches rgrid unexpanded (the shell leaves
 * it alone when quoted, or when nothing matches), so rgrid expands it itself, the same way on
 * every shell: {@code *} and {@code ?} within a name, {@code **} across directories, {@code {a,b}}, {@code [..]}.
 */
final class Globs {

    private Globs() {
    }

    static boolean isGlob(String text) {
        return text.chars().anyMatch(c -> c == '*' || c == '?' || c == '[' || c == '{');
    }

    /** The files {@code pattern} names, sorted; a plain path is returned as is (checked later). */
    static List<Path> expand(String pattern, String option) {
        if (!isGlob(pattern)) {
            return List.of(Path.of(pattern));
        }
        // The directory part before the first glob character is where the walk starts.
        int firstGlob = 0;
        while (firstGlob < pattern.length() && "*?[{".indexOf(pattern.charAt(firstGlob)) < 0) {
            firstGlob++;
        }
        int slash = pattern.lastIndexOf('/', firstGlob);
        Path base = slash < 0 ? Path.of(".") : Path.of(slash == 0 ? "/" : pattern.substring(0, slash));
        String rest = slash < 0 ? pattern : pattern.substring(slash + 1);
        PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + rest);
        int depth = rest.contains("**") ? Integer.MAX_VALUE : (int) rest.chars().filter(c -> c == '/').count() + 1;
        if (!Files.isDirectory(base)) {
            throw CliException.usage(option + " '" + pattern + "': no such directory " + base);
        }
        List<Path> matches;
        try (Stream<Path> walk = Files.walk(base, depth)) {
            matches = walk.filter(Files::isRegularFile)
                    .filter(p -> matcher.matches(base.relativize(p)))
                    .map(p -> slash < 0 ? base.relativize(p) : p)
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw CliException.usage(option + " '" + pattern + "': cannot list " + base + ": " + e.getMessage());
        }
        if (matches.isEmpty()) {
            throw CliException.usage("no file matches " + option + " '" + pattern + "' (relative to "
                    + Path.of("").toAbsolutePath() + ")");
        }
        return matches;
    }
}
