package io.rgrid.api.logs;

import io.rgrid.api.storage.CappedInputStream;
import io.rgrid.api.storage.ObjectStore;
import io.rgrid.api.storage.StorageException;

import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

/**
 * One attempt's stored log from a position on, read in UTF-8 pieces and never past the log cap
 * ({@code rgrid.logs.max-bytes}). Opened at the first {@link #next()}, so a stream that is paused
 * before it holds no connection to the store. Blocking: used on worker threads only.
 */
final class StoredLogPart implements AutoCloseable {

    private final ObjectStore store;
    private final String key;
    private final long maxBytes;
    private final int pieceBytes;
    private long position;
    private InputStream in;
    private Utf8Pieces pieces;
    private boolean finished;

    StoredLogPart(ObjectStore store, String key, long from, long maxBytes, int pieceBytes) {
        this.store = store;
        this.key = key;
        this.position = from;
        this.maxBytes = maxBytes;
        this.pieceBytes = pieceBytes;
    }

    /** Where the next piece starts in the stored log. */
    long position() {
        return position;
    }

    /**
     * The next piece, or null at the end (also when nothing is stored, or the cap is reached).
     * Call {@link #advance()} once the piece was handed on.
     *
     * @throws StorageException when the store cannot be read
     */
    String next() throws IOException {
        if (finished) {
            return null;
        }
        if (pieces == null) {
            if (position >= maxBytes) {
                finished = true;
                return null;
            }
            Optional<InputStream> stored = store.get(key, position);
            if (stored.isEmpty()) {
                finished = true;
                return null;
            }
            in = new CappedInputStream(stored.get(), maxBytes - position);
            pieces = new Utf8Pieces(in, pieceBytes);
        }
        String text = pieces.next();
        if (text == null) {
            close();
        }
        return text;
    }

    /** Moves past the piece {@link #next()} returned. */
    void advance() {
        position += pieces.lastBytes();
    }

    @Override
    public void close() {
        finished = true;
        if (in != null) {
            try {
                in.close();
            } catch (IOException e) {
                // nothing more is read from it
            }
            in = null;
        }
    }
}
