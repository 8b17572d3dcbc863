package io.rgrid.cli.http;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A {@code multipart/form-data} body (RFC 7578) whose file parts are streamed from disk when it
 * is written: small in-memory pieces (boundaries, headers, the spec) and files, so a large input
 * is never read into memory, and the total length is still known up front (no chunked encoding).
 */
public final class MultipartBody implements Body {

    public static final String OCTET_STREAM = "application/octet-stream";

    /** One piece of the body: bytes held in memory, or a file read when the body is written. */
    private record Piece(byte[] bytes, Path file, long length) {
    }

    private final String boundary;
    private final List<Piece> pieces = new ArrayList<>();

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
        text(partHeader(name, null, contentType));
        pieces.add(new Piece(content, null, content.length));
        text("\r\n");
        return this;
    }

    /**
     * A file part, streamed from {@code file} when the body is written.
     *
     * @throws FileNotFoundException when the file does not exist (checked now, not at send time)
     */
    public MultipartBody addFile(String name, String fileName, Path file) throws FileNotFoundException {
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw new FileNotFoundException(file + " not found");
        }
        text(partHeader(name, fileName, OCTET_STREAM));
        pieces.add(new Piece(null, file, size));
        text("\r\n");
        return this;
    }

    /** The length of the whole body, the closing boundary included. */
    @Override
    public long length() {
        long length = closing().length;
        for (Piece piece : pieces) {
            length += piece.length();
        }
        return length;
    }

    @Override
    public void writeTo(OutputStream out) throws IOException {
        for (Piece piece : pieces) {
            if (piece.bytes() != null) {
                out.write(piece.bytes());
            } else if (Files.copy(piece.file(), out) != piece.length()) {
                // The length went out in Content-Length already: a file that changed cannot be sent.
                throw new IOException(piece.file() + " changed while it was being uploaded");
            }
        }
        out.write(closing());
    }

    private byte[] closing() {
        return ("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
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

    private void text(String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        pieces.add(new Piece(bytes, null, bytes.length));
    }

    private static String randomBoundary() {
        byte[] random = new byte[16];
        new SecureRandom().nextBytes(random);
        return "rgrid-" + HexFormat.of().formatHex(random);
    }
}
