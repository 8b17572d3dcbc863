package io.rgrid.api.support;

import io.rgrid.model.api.Auth;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A plain HTTP/1.1 client that reads an event stream only when told to: with a tiny receive
 * buffer and nobody reading, it is the slowest client there is. {@link #status()} reads the head
 * only; {@link #readAll()} reads the body to its end (chunked or not).
 */
public final class SlowSseClient implements AutoCloseable {

    /** One server-sent event: its name ({@code message} when unnamed) and its data lines joined. */
    public record Event(String name, String data) {
    }

    private static final int RECEIVE_BUFFER = 4096;

    private final Socket socket;
    private final InputStream in;
    private int status = -1;
    private final Map<String, String> headers = new LinkedHashMap<>();

    private SlowSseClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream(), 1024);
    }

    /** Sends {@code GET path} with the key and reads nothing yet. */
    public static SlowSseClient open(int port, String path, String key) throws IOException {
        Socket socket = new Socket();
        socket.setReceiveBufferSize(RECEIVE_BUFFER); // before connect, so the window stays small
        socket.connect(new InetSocketAddress("localhost", port), 10_000);
        socket.setSoTimeout(60_000);
        OutputStream out = socket.getOutputStream();
        out.write(("GET " + path + " HTTP/1.1\r\nHost: localhost:" + port + "\r\n" + Auth.HEADER + ": " + Auth.header(key)
                + "\r\nAccept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return new SlowSseClient(socket);
    }

    /** The response's status; reads the status line and headers (only those) on first call. */
    public int status() throws IOException {
        if (status < 0) {
            String statusLine = line();
            status = Integer.parseInt(statusLine.split(" ")[1]);
            String header;
            while (!(header = line()).isEmpty()) {
                int colon = header.indexOf(':');
                headers.put(header.substring(0, colon).trim().toLowerCase(Locale.ROOT), header.substring(colon + 1).trim());
            }
        }
        return status;
    }

    public String header(String name) throws IOException {
        status();
        return headers.get(name.toLowerCase(Locale.ROOT));
    }

    /** The whole body, read to its end. */
    public String readAll() throws IOException {
        status();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            int size;
            while ((size = Integer.parseInt(line().split(";")[0].trim(), 16)) > 0) {
                body.write(in.readNBytes(size));
                line();
            }
            line();
        } else if (headers.containsKey("content-length")) {
            body.write(in.readNBytes(Integer.parseInt(headers.get("content-length"))));
        } else {
            body.write(in.readAllBytes());
        }
        return body.toString(StandardCharsets.UTF_8);
    }

    /** The events of a whole body, in order. */
    public static List<Event> events(String body) {
        List<Event> events = new ArrayList<>();
        for (String block : body.split("\n\n")) {
            String name = "message";
            StringBuilder data = null;
            for (String line : block.split("\n")) {
                if (line.startsWith("event: ")) {
                    name = line.substring(7);
                } else if (line.startsWith("data: ")) {
                    data = data == null ? new StringBuilder(line.substring(6)) : data.append('\n').append(line.substring(6));
                }
            }
            if (data != null) {
                events.add(new Event(name, data.toString()));
            }
        }
        return events;
    }

    private String line() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            if (b != '\r') {
                line.write(b);
            }
        }
        if (b < 0 && line.size() == 0) {
            throw new IOException("the connection closed");
        }
        return line.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
