package io.rgrid.cli.http;

import java.io.FileNotFoundException;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A {@code multipart/form-data} body (RFC 7578) whose file parts are streamed from disk: the
 * body is a concatenation of small in-memory publishers (boundaries, headers) and
 * {@link HttpRequest.BodyPublishers#ofFile file publishers}, so a large input is never read
 * into memory, and the total length is still known up front (no chunked encoding).
 */
public final class MultipartBody {

    public static final String OCTET_STREAM = "application/octet-stream";

    private final String boundary;
    private final List<HttpRequest.BodyPublisher> publishers = new ArrayList<>();

    public MultipartBody() {
        this(randomBoundary());
    }

    MultipartBody(String boundary) {
        this.boundary = boundary;
    }

    public String contentType() {
        return "multipart/form-data; boundary=" + boundary;
    }

    public String boundary() {
        return boundary;
    }

    /** A part held in memory, e.g. the JSON spec. */
    public MultipartBody addBytes(String name, String contentType, byte[] content) {
        publishers.add(text(partHeader(name, null, contentType)));
        publishers.add(HttpRequest.BodyPublishers.ofByteArray(content));
        publishers.add(text("\r\n"));
        return this;
    }

    /**
     * A file part, streamed from {@code file} when the request is sent.
     *
     * @throws FileNotFoundException when the file does not exist (checked now, not at send time)
     */
    public MultipartBody addFile(String name, String fileName, Path file) throws FileNotFoundException {
        publishers.add(text(partHeader(name, fileName, OCTET_STREAM)));
        publishers.add(HttpRequest.BodyPublishers.ofFile(file));
        publishers.add(text("\r\n"));
        return this;
    }

    public HttpRequest.BodyPublisher publisher() {
        List<HttpRequest.BodyPublisher> all = new ArrayList<>(publishers);
        all.add(text("--" + boundary + "--\r\n"));
        return HttpRequest.BodyPublishers.concat(all.toArray(HttpRequest.BodyPublisher[]::new));
    }

    private String partHeader(String name, String fileName, String contentType) {
        StringBuilder header = new StringBuilder("--").append(boundary).append("\r\n")
                .append("Content-Disposition: form-data; name=\"").append(quote(name)).append('"');
        if (fileName != null) {
            header.append("; filename=\"").append(quote(fileName)).append('"');
        }
        return header.append("\r\nContent-Type: ").append(contentType).append("\r\n\r\n").toString();
    }

    /**
     * Escapes a header parameter the way browsers do (HTML's multipart/form-data encoding):
     * quote, CR and LF percent-encoded; other characters, including non-ASCII, sent as UTF-8.
     */
    static String quote(String value) {
        return value.replace("\"", "%22").replace("\r", "%0D").replace("\n", "%0A");
    }

    private static HttpRequest.BodyPublisher text(String s) {
        return HttpRequest.BodyPublishers.ofByteArray(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String randomBoundary() {
        byte[] random = new byte[16];
        new SecureRandom().nextBytes(random);
        return "rgrid-" + HexFormat.of().formatHex(random);
    }
}
