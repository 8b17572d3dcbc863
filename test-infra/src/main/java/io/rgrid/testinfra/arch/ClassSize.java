package io.rgrid.testinfra.arch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * The size limit of a production source file: at most {@link #MAX_LINES} lines (as {@code wc -l}
 * counts them), so a class that grows past it is split by job before it grows further (issue 19).
 * A {@code @ConfigMapping} interface is exempt: it is one accessor per configuration key, and
 * splitting it would only scatter the keys.
 */
public final class ClassSize {

    /** The most lines a production source file may have. */
    public static final int MAX_LINES = 450;

    private ClassSize() {
    }

    /** One source file over the limit. */
    public record Oversized(String className, long lines) {
        @Override
        public String toString() {
            return className + " (" + lines + " lines)";
        }
    }

    /**
     * The source files under {@code sources} with more than {@link #MAX_LINES} lines whose class
     * {@code exempt} does not accept, by fully qualified name (from the path), largest first.
     *
     * @throws IllegalArgumentException when {@code sources} is no directory (a wrong path would pass silently)
     */
    public static List<Oversized> oversized(Path sources, Predicate<String> exempt) {
        if (!Files.isDirectory(sources)) {
            throw new IllegalArgumentException("no source directory at " + sources.toAbsolutePath()
                    + ": the size rule reads the module's src/main/java (run the test from the module's directory)");
        }
        try (Stream<Path> files = Files.walk(sources)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".java"))
                    .filter(f -> !f.getFileName().toString().equals("package-info.java"))
                    .map(f -> new Oversized(className(sources, f), lines(f)))
                    .filter(o -> o.lines() > MAX_LINES && !exempt.test(o.className()))
                    .sorted((a, b) -> Long.compare(b.lines(), a.lines()))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String className(Path sources, Path file) {
        String relative = sources.relativize(file).toString().replace('\\', '/');
        return relative.substring(0, relative.length() - ".java".length()).replace('/', '.');
    }

    private static long lines(Path file) {
        try (Stream<String> lines = Files.lines(file)) {
            return lines.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
