package io.rgrid.api.logs;

import io.rgrid.api.storage.StorageException;
import io.rgrid.model.storage.CappedInputStream;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.util.Optional;

/**
 * One attempt's stored log from a position on, read in UTF-8 pieces and never past the log cap
 * ({@code rgrid.logs.max-bytes}). Opened at the first {@link #next()}, so a stream that is paused
 * before it holds no connection to the store. A stream paused for long may find its connection
 * closed by the store (an idle timeout): a read that fails is retried from the position reached,
 * on a new connection, up to {@link #MAX_REOPENS} times in a row without progress. Blocking: used
 * on worker threads only. {@code StoredLogPartTest} breaks connections at every point.
 */
final class StoredLogPart implements AutoCloseable {

    /** The store's object from a byte on; empty when there is none. */
    @FunctionalInterface
    interface Source {
        Optional<InputStream> from(long offset);
    }

    /** Failed reads in a row (without a piece between them) after which the part gives up. */
    static final int MAX_REOPENS = 3;

    private final Source source;
    private final long maxBytes;
    private final int pieceBytes;
    private long position;
    private InputStream in;
    private Utf8Pieces pieces;
    private boolean finished;
    private int failures;

    StoredLogPart(Source source, long from, long maxBytes, int pieceBytes) {
        this.source = source;
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
     * @throws IOException when reading failed {@link #MAX_REOPENS} times in a row
     * @throws StorageException when the store cannot be asked
     */
    String next() throws IOException {
        while (true) {
            if (finished) {
                return null;
            }
            if (pieces == null && !open()) {
                return null;
            }
            try {
                String text = pieces.next();
                if (text == null) {
                    close();
                }
                return text;
            } catch (IOException e) {
                if (e instanceof CharacterCodingException || ++failures > MAX_REOPENS) {
                    close();
                    throw e;
                }
                drop(); // read again from the position reached, on a new connection
            }
        }
    }

    /** Moves past the piece {@link #next()} returned. */
    void advance() {
        position += pieces.lastBytes();
        failures = 0;
    }

    private boolean open() {
        if (position >= maxBytes) {
            finished = true;
            return false;
        }
        Optional<InputStream> stored = source.from(position);
        if (stored.isEmpty()) {
            finished = true;
            return false;
        }
        in = new CappedInputStream(stored.get(), maxBytes - position);
        pieces = new Utf8Pieces(in, pieceBytes);
        return true;
    }

    private void drop() {
        if (in != null) {
            try {
                in.close();
            } catch (IOException e) {
                // nothing more is read from it
            }
        }
        in = null;
        pieces = null;
    }

    @Override
    public void close() {
        finished = true;
        drop();
    }
}
