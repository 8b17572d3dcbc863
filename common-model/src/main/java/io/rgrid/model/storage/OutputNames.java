package io.rgrid.model.storage;

/**
 * The rule for output names, the path of a file below a script's {@code outputs/} with {@code /}
 * between folders ({@code result.csv}, {@code plots/a.png}): the worker stores only names that
 * keep it, the API serves only those, and the CLI writes only those below its output directory.
 * A name that keeps it cannot leave the folder it is resolved against, on any operating system.
 */
public final class OutputNames {

    private static final int PRINTABLE_LENGTH = 80;

    private OutputNames() {
    }

    /** @return why {@code name} is not an acceptable output name, or null when it is */
    public static String problem(String name) {
        if (name == null || name.isEmpty()) {
            return "the name is empty";
        }
        if (name.indexOf('\\') >= 0) {
            return "'" + printable(name) + "' contains a backslash";
        }
        if (name.startsWith("/")) {
            return "'" + printable(name) + "' is an absolute path";
        }
        for (String segment : name.split("/", -1)) {
            if (segment.equals("..")) {
                return "'" + printable(name) + "' has a '..' segment";
            }
        }
        return null;
    }

    /** A name safe to echo in a message or a log line: control characters become '?', at most 80 characters. */
    public static String printable(String name) {
        StringBuilder out = new StringBuilder();
        name.codePoints().limit(PRINTABLE_LENGTH)
                .forEach(cp -> out.append(cp < 0x20 || cp == 0x7f ? '?' : Character.toString(cp)));
        return out.toString();
    }
}
