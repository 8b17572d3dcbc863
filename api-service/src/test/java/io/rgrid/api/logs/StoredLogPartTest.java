package io.rgrid.api.logs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A stored log read in pieces while its connections break (a store closing a paused stream):
 * what is handed on is exactly the log from the start position, up to the cap, nothing twice.
 */
class StoredLogPartTest {

    private static final byte[] LOG = "zeile eins ✓\nzwei grüße\ndrei 😀 vier\n".repeat(40).getBytes(StandardCharsets.UTF_8);

    /** Serves LOG from an offset; each connection breaks after {@code breakAfter} bytes (none when 0). */
    private static final class BreakingStore implements StoredLogPart.Source {
        final int breakAfter;
        final List<Long> opened = new ArrayList<>();
        int breaksLeft;

        BreakingStore(int breakAfter, int breaks) {
            this.breakAfter = breakAfter;
            this.breaksLeft = breaks;
        }

        @Override
        public Optional<InputStream> from(long offset) {
            opened.add(offset);
            InputStream rest = new ByteArrayInputStream(LOG, (int) offset, LOG.length - (int) offset);
            boolean breaks = breakAfter > 0 && breaksLeft-- > 0;
            return Optional.of(new InputStream() {
                int read;

                @Override
                public int read() throws IOException {
                    if (breaks && read >= breakAfter) {
                        throw new IOException("connection reset");
                    }
                    int b = rest.read();
                    read += b < 0 ? 0 : 1;
                    return b;
                }
            });
        }
    }

    private static String readAll(StoredLogPart part) throws IOException {
        StringBuilder out = new StringBuilder();
        String text;
        while ((text = part.next()) != null) {
            out.append(text);
            part.advance();
        }
        return out.toString();
    }

    @ParameterizedTest(name = "from {0}, cap {1}, pieces of {2}, breaks after {3} bytes, {4} times")
    @CsvSource({
            "0,   1000000, 64,  0,   0",
            "0,   1000000, 64,  100, 1000",
            "0,   1000000, 64,  65,  1000",
            "0,   1000000, 16,  40,  1000",
            "37,  1000000, 64,  100, 1000",
            "0,   500,     64,  100, 1000",
            "200, 500,     32,  50,  1000",
            "0,   1000000, 999, 1,   2",
    })
    void whatIsHandedOnIsExactlyTheLogFromThePositionUpToTheCap(long from, long cap, int pieceBytes, int breakAfter, int breaks)
            throws IOException {
        BreakingStore store = new BreakingStore(breakAfter, breaks);
        StoredLogPart part = new StoredLogPart(store, from, cap, pieceBytes);
        String got = readAll(part);
        int end = (int) Math.min(cap, LOG.length);
        byte[] bytes = got.getBytes(StandardCharsets.UTF_8);
        // Up to the cap, short of it only by a character the cap would split.
        assertThat(end - (from + bytes.length)).isBetween(0L, 3L);
        assertThat(bytes).isEqualTo(Arrays.copyOfRange(LOG, (int) from, (int) from + bytes.length));
        assertThat(part.position()).isEqualTo(from + bytes.length);
        assertThat(store.opened).isSorted().first().isEqualTo(from);
    }

    @Test
    void aConnectionThatBreaksBeforeAnyProgressIsTriedAFewTimesThenTheFailureIsReported() {
        BreakingStore store = new BreakingStore(1, 1000); // never gets a whole piece
        StoredLogPart part = new StoredLogPart(store, 0, 1_000_000, 64);
        assertThatThrownBy(() -> readAll(part)).isInstanceOf(IOException.class).hasMessage("connection reset");
        assertThat(store.opened).hasSize(StoredLogPart.MAX_REOPENS + 1).containsOnly(0L);
    }

    @Test
    void nothingStoredOrAStartAtTheCapReadsNothing() throws IOException {
        assertThat(readAll(new StoredLogPart(offset -> Optional.empty(), 0, 1000, 64))).isEmpty();
        BreakingStore store = new BreakingStore(0, 0);
        assertThat(readAll(new StoredLogPart(store, 500, 500, 64))).isEmpty();
        assertThat(store.opened).isEmpty();
    }
}
