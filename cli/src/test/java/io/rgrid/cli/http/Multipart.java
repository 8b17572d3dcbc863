package io.rgrid.cli.http;

import java.nio.charset.StandardCharsets;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Test helper: writes a multipart body out and parses a multipart/form-data body back into parts. */
public final class Multipart {

    private static final Pattern PARAM = Pattern.compile(";\\s*(\\w+)=\"([^\"]*)\"");

    private Multipart() {
    }

    /** One parsed part. */
    public record Part(String name, String fileName, String contentType, byte[] content) {
        public String text() {
            return new String(content, StandardCharsets.UTF_8);
        }
    }

    /** The bytes the body writes. */
    public static byte[] drain(MultipartBody body) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        body.writeTo(out);
        return out.toByteArray();
    }

    public static String boundaryOf(String contentType) {
        Matcher m = Pattern.compile("boundary=([^;\\s]+)").matcher(contentType);
        if (!m.find()) {
            throw new IllegalArgumentException("no boundary in " + contentType);
        }
        return m.group(1);
    }

    /** Strict enough for tests: CRLF line ends, a closing delimiter, headers per RFC 7578. */
    public static List<Part> parse(byte[] body, String boundary) {
        // ISO-8859-1 maps bytes 1:1 to chars, so offsets in the string are offsets in the bytes.
        String text = new String(body, StandardCharsets.ISO_8859_1);
        String delimiter = "--" + boundary;
        if (!text.startsWith(delimiter + "\r\n")) {
            throw new IllegalArgumentException("body does not start with the boundary");
        }
        if (!text.endsWith(delimiter + "--\r\n")) {
            throw new IllegalArgumentException("body does not end with the closing boundary");
        }
        List<Part> parts = new ArrayList<>();
        int pos = delimiter.length() + 2;
        while (true) {
            int headerEnd = text.indexOf("\r\n\r\n", pos);
            Map<String, String> headers = new LinkedHashMap<>();
            for (String line : text.substring(pos, headerEnd).split("\r\n")) {
                int colon = line.indexOf(':');
                headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
            }
            int contentStart = headerEnd + 4;
            int next = text.indexOf("\r\n" + delimiter, contentStart);
            byte[] content = new byte[next - contentStart];
            System.arraycopy(body, contentStart, content, 0, content.length);
            String disposition = new String(headers.get("content-disposition").getBytes(StandardCharsets.ISO_8859_1),
                    StandardCharsets.UTF_8);
            Map<String, String> params = new LinkedHashMap<>();
            Matcher m = PARAM.matcher(disposition);
            while (m.find()) {
                params.put(m.group(1), m.group(2));
            }
            parts.add(new Part(params.get("name"), params.get("filename"), headers.get("content-type"), content));
            pos = next + 2 + delimiter.length();
            if (text.startsWith("--", pos)) {
                return parts;
            }
            pos += 2;
        }
    }
}
