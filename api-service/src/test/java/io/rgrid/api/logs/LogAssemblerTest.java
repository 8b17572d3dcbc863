package io.rgrid.api.logs;

import io.rgrid.model.event.ExecutionLogChunk;
import io.rgrid.model.event.LogStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every ordering a follower can see (buffer replay and live delivery interleaved, Kafka
 * redeliveries, the stored log overlapping the chunks, the end before the last chunk), held open
 * deterministically: what is handed out must be the log, exactly once, in order.
 */
class LogAssemblerTest {

    private static final UUID ID = UUID.randomUUID();
    /** Multi-byte text, so a byte position is never mistaken for a character position. */
    private static final List<String> TEXTS = List.of("grüße\n", "✓ zwei\n", "drei ", "vier\n", "fünf ✓\n", "sechs\n");

    private static List<ExecutionLogChunk> chunks() {
        List<ExecutionLogChunk> out = new ArrayList<>();
        long offset = 0;
        for (int seq = 0; seq < TEXTS.size(); seq++) {
            String text = TEXTS.get(seq);
            out.add(new ExecutionLogChunk(ID, 1, seq % 2 == 0 ? LogStream.STDOUT : LogStream.STDERR, seq, text, offset));
            offset += text.getBytes(StandardCharsets.UTF_8).length;
        }
        return out;
    }

    private static String log() {
        return String.join("", TEXTS);
    }

    private static String text(List<LogAssembler.Piece> pieces) {
        StringBuilder out = new StringBuilder();
        pieces.forEach(p -> out.append(p.text()));
        return out.toString();
    }

    @Test
    void chunksInOrderPassStraightThrough() {
        LogAssembler log = new LogAssembler(100);
        List<LogAssembler.Piece> out = new ArrayList<>();
        chunks().forEach(c -> out.addAll(log.chunk(c)));
        assertThat(text(out)).isEqualTo(log());
        assertThat(out).extracting(LogAssembler.Piece::seq).containsExactly(0L, 1L, 2L, 3L, 4L, 5L);
        assertThat(log.sent()).isEqualTo(log().getBytes(StandardCharsets.UTF_8).length);
    }

    @Test
    void aLiveChunkThatOvertakesTheReplayWaitsForIt() {
        List<ExecutionLogChunk> c = chunks();
        LogAssembler log = new LogAssembler(100);
        assertThat(log.chunk(c.get(2))).isEmpty(); // live, before the replay of 0 and 1
        assertThat(log.chunk(c.get(3))).isEmpty();
        assertThat(text(log.chunk(c.get(0)))).isEqualTo("grüße\n");
        assertThat(text(log.chunk(c.get(1)))).isEqualTo("✓ zwei\ndrei vier\n");
        assertThat(log.chunk(c.get(2))).isEmpty(); // the replay's copy: sent already
        assertThat(text(log.chunk(c.get(4)))).isEqualTo("fünf ✓\n");
    }

    @Test
    void theStoredPartialLogAndTheChunksItCoversAreSentOnce() {
        List<ExecutionLogChunk> c = chunks();
        LogAssembler log = new LogAssembler(100);
        // A partial upload ends on a boundary of written text, and a chunk can hold several writes:
        // here the stored log ends inside chunk 2.
        String stored = "grüße\n✓ zwei\ndr";
        assertThat(text(log.stored(0, stored))).isEqualTo(stored);
        assertThat(log.chunk(c.get(0))).isEmpty();
        assertThat(log.chunk(c.get(1))).isEmpty();
        assertThat(text(log.chunk(c.get(2)))).isEqualTo("ei ");
        assertThat(text(log.chunk(c.get(3)))).isEqualTo("vier\n");
    }

    @Test
    void theEndBeforeTheLastChunksIsCompletedFromTheStoredTail() {
        List<ExecutionLogChunk> c = chunks();
        LogAssembler log = new LogAssembler(100);
        log.chunk(c.get(0));
        log.chunk(c.get(1));
        log.chunk(c.get(4)); // held: 2 and 3 are still on their way when the end arrives
        long from = log.sent();
        String tail = log().substring("grüße\n✓ zwei\n".length());
        assertThat(text(log.stored(from, tail))).isEqualTo(tail);
        assertThat(log.chunk(c.get(5))).isEmpty(); // arrives after the end: part of the tail already
        assertThat(log.chunk(c.get(3))).isEmpty();
    }

    @Test
    void heldChunksArePassedOnInOrderOnceTheStoredLogFillsTheGap() {
        List<ExecutionLogChunk> c = chunks();
        LogAssembler log = new LogAssembler(100);
        log.chunk(c.get(3));
        log.chunk(c.get(5));
        List<LogAssembler.Piece> out = log.stored(0, "grüße\n✓ zwei\ndrei ");
        assertThat(text(out)).isEqualTo("grüße\n✓ zwei\ndrei vier\n");
        assertThat(text(log.chunk(c.get(4)))).isEqualTo("fünf ✓\nsechs\n");
    }

    @Test
    void pastTheLimitAChunkWaitsForTheStoredLogInstead() {
        List<ExecutionLogChunk> c = chunks();
        LogAssembler log = new LogAssembler(1);
        log.chunk(c.get(2));
        log.chunk(c.get(3)); // over the limit: dropped, not sent out of order
        assertThat(text(log.chunk(c.get(0)))).isEqualTo("grüße\n");
        assertThat(text(log.chunk(c.get(1)))).isEqualTo("✓ zwei\ndrei ");
        assertThat(log.sent()).isEqualTo("grüße\n✓ zwei\ndrei ".getBytes(StandardCharsets.UTF_8).length);
    }

    @Test
    void chunksWithoutOffsetsAreDeduplicatedBySeqAndNeverCompletedFromTheStore() {
        LogAssembler log = new LogAssembler(100);
        assertThat(text(log.chunk(new ExecutionLogChunk(ID, 1, LogStream.STDOUT, 0, "a\n")))).isEqualTo("a\n");
        assertThat(log.chunk(new ExecutionLogChunk(ID, 1, LogStream.STDOUT, 0, "a\n"))).isEmpty();
        assertThat(text(log.chunk(new ExecutionLogChunk(ID, 1, LogStream.STDOUT, 1, "b\n")))).isEqualTo("b\n");
        assertThat(log.positionKnown()).isFalse();
        assertThat(log.stored(0, "a\nb\nc\n")).isEmpty();
    }

    /** Any interleaving of two copies of every chunk and a stored prefix spells the log exactly once. */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20})
    void everyShuffleSpellsTheLogExactlyOnce(long seed) {
        Random random = new Random(seed);
        List<ExecutionLogChunk> arrivals = new ArrayList<>(chunks());
        arrivals.addAll(chunks());
        Collections.shuffle(arrivals, random);
        LogAssembler log = new LogAssembler(100);
        StringBuilder out = new StringBuilder();
        int storedAt = random.nextInt(arrivals.size());
        String storedPrefix = log().substring(0, random.nextInt(log().length()));
        for (int i = 0; i < arrivals.size(); i++) {
            if (i == storedAt) {
                out.append(text(log.stored(0, storedPrefix)));
            }
            out.append(text(log.chunk(arrivals.get(i))));
        }
        assertThat(out.toString()).isEqualTo(log());
    }
}
