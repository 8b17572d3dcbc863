package io.rgrid.api.error;

import java.io.IOException;
import java.util.Locale;

/**
 * Which multipart/form-data requests the REST layer's parser cannot read, so that they are
 * answered 400 MALFORMED_REQUEST instead of 500: a Content-Type without a usable boundary
 * (checked before the body is read), and a body the parser refuses or trips over (checked when
 * its failure reaches {@link ProblemMappers}).
 */
final class MultipartBodies {

    static final String MULTIPART_FORM_DATA = "multipart/form-data";
    /** The parser's package: RESTEasy Reactive's MultipartParser, MultiPartParserDefinition, FormParserFactory. */
    private static final String PARSER_PACKAGE = "org.jboss.resteasy.reactive.server.core.multipart.";
    /** Reads the boundary and the parts' header parameters for the parser. */
    private static final String HEADER_UTIL = "org.jboss.resteasy.reactive.common.headers.HeaderUtil";
    /** RFC 2046 5.1.1: a boundary is 1 to 70 of these characters and does not end with a space. */
    private static final String BOUNDARY_CHARS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'()+_,-./:=? ";
    private static final int MAX_BOUNDARY = 70;

    static final String UNREADABLE = "the multipart/form-data body could not be read: it ends early or is malformed "
            + "(each part needs its headers, an empty line and its content, and the body ends with --BOUNDARY--)";

    private MultipartBodies() {
    }

    /** @return why a multipart/form-data {@code contentType} cannot be parsed, or null when it can (or is another type) */
    static String boundaryProblem(String contentType) {
        if (contentType == null) {
            return null;
        }
        String[] parameters = contentType.split(";", -1);
        if (!parameters[0].strip().toLowerCase(Locale.ROOT).equals(MULTIPART_FORM_DATA)) {
            return null;
        }
        String boundary = null;
        for (int i = 1; i < parameters.length; i++) {
            String parameter = parameters[i].strip();
            int equals = parameter.indexOf('=');
            if (equals > 0 && parameter.substring(0, equals).strip().equalsIgnoreCase("boundary")) {
                if (boundary != null) {
                    return "the multipart/form-data Content-Type has more than one boundary parameter";
                }
                boundary = unquote(parameter.substring(equals + 1).strip());
            }
        }
        if (boundary == null) {
            return "the multipart/form-data Content-Type has no boundary parameter "
                    + "(Content-Type: multipart/form-data; boundary=...)";
        }
        if (boundary.isEmpty() || boundary.length() > MAX_BOUNDARY || boundary.endsWith(" ")
                || !boundary.chars().allMatch(c -> BOUNDARY_CHARS.indexOf(c) >= 0)) {
            return "the multipart/form-data boundary must be 1 to " + MAX_BOUNDARY
                    + " letters, digits or '()+_,-./:=? (RFC 2046), not ending with a space";
        }
        return null;
    }

    private static String unquote(String value) {
        if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
            return value.substring(1, value.length() - 1);
        }
        return value.startsWith("\"") ? "" : value; // an unclosed quote: no boundary
    }

    /**
     * Whether {@code failure} is the form parser refusing the request's bytes, or tripping over
     * them, rather than an I/O failure of the server (a full disk while it spools a part). The
     * parser's own complaints (a malformed part, a body that ends before the closing delimiter)
     * are thrown from its package with no cause; an unchecked exception from the JDK while the
     * parser reads a header parameter (an index out of bounds) has the parser as the first caller
     * outside the JDK. A failure with a cause wraps something else (a temporary file that could
     * not be created), and a checked I/O exception thrown by the JDK is the server's disk or socket.
     */
    static boolean unreadable(Throwable failure) {
        StackTraceElement[] stack = failure.getStackTrace();
        if (failure.getCause() != null || stack.length == 0) {
            return false;
        }
        if (jdk(stack[0]) && failure instanceof IOException) {
            return false;
        }
        for (StackTraceElement frame : stack) {
            if (!jdk(frame)) {
                return frame.getClassName().startsWith(PARSER_PACKAGE) || frame.getClassName().equals(HEADER_UTIL);
            }
        }
        return false;
    }

    private static boolean jdk(StackTraceElement frame) {
        String name = frame.getClassName();
        return name.startsWith("java.") || name.startsWith("jdk.") || name.startsWith("sun.");
    }
}
