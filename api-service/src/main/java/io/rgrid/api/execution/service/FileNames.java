package io.rgrid.api.execution.service;

import io.rgrid.model.storage.OutputNames;

/**
 * The rule for user-supplied file names, which become the last segment of a storage key and a
 * file name inside the container: a plain name, never a path.
 */
public final class FileNames {

    public static final int MAX_LENGTH = 255;

    private FileNames() {
    }

    /** @return why {@code name} is not acceptable, or null when it is */
    public static String problem(String name) {
        if (name == null || name.isBlank()) {
            return "file name is empty";
        }
        if (name.length() > MAX_LENGTH) {
            return "file name is longer than " + MAX_LENGTH + " characters";
        }
        if (name.indexOf('/') >= 0 || name.indexOf('\\') >= 0) {
            return "file name '" + printable(name) + "' contains a path separator; send the file's own name only";
        }
        if (name.equals(".") || name.contains("..")) {
            return "file name '" + printable(name) + "' is or contains a relative path ('.' or '..')";
        }
        if (name.length() >= 2 && name.charAt(1) == ':' && Character.isLetter(name.charAt(0))) {
            return "file name '" + printable(name) + "' looks like an absolute Windows path";
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 0x20 || c == 0x7f || Character.getType(c) == Character.FORMAT) {
                return "file name contains a control character";
            }
        }
        if (!name.equals(name.strip())) {
            return "file name '" + printable(name) + "' starts or ends with white space";
        }
        return null;
    }

    /** A name safe to echo back in an error message. */
    public static String printable(String name) {
        return OutputNames.printable(name);
    }
}
