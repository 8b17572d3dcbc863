package io.rgrid.api.logs;

import io.rgrid.model.event.ExecutionLogChunk;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One attempt's log as one follower has been sent it: turns pieces that arrive in any order, twice,
 * or overlapping (live chunks replayed from the buffer and from Kafka, parts of the stored log) into
 * the log's bytes exactly once, in order. The invariant: what was handed out is exactly the log's
 * first {@link #sent()} bytes, so a follower that counts what it printed can fetch the rest by a byte
 * range. Pure: {@code LogAssemblerTest} drives every ordering.
 *
 * <p>Positions come from each chunk's {@link ExecutionLogChunk#offset() offset}. A chunk ahead of
 * what was sent is held until the gap is filled (by a chunk or by the stored log); a chunk from an
 * agent that sends no offsets is passed on as it comes (a seq seen before is dropped), and from
 * then on this attempt's position is unknown ({@link #positionKnown()}), so no stored text is sent
 * for it: better short than doubled.
 */
final class LogAssembler {

    /** A run of text to send: of one stream ({@code STORED} for a part of the stored log) and its chunk's seq. */
    record Piece(String stream, Long seq, String text) {
    }

    static final String STORED = "STORED";

    private final int maxHeld;
    private long sent;
    private boolean positionKnown = true;
    /** Without offsets, seq is all there is: the next one expected, to drop redeliveries. */
    private long nextSeq;
    /** Chunks that start past {@link #sent}, by offset. */
    private final TreeMap<Long, ExecutionLogChunk> held = new TreeMap<>();

    /** @param maxHeld how many chunks may wait for a gap; past that, new ones wait for the stored log instead */
    LogAssembler(int maxHeld) {
        this.maxHeld = maxHeld;
    }

    /** Bytes of the log handed out, from its start, without a gap. */
    long sent() {
        return sent;
    }

    boolean positionKnown() {
        return positionKnown;
    }

    /** A part of the stored log, read from byte {@code from}; returns what of it (and of held chunks) is new, in order. */
    List<Piece> stored(long from, String text) {
        List<Piece> out = new ArrayList<>();
        if (!positionKnown) {
            return out; // where this text stands against what was sent is not known: better short than doubled
        }
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        String fresh = tail(from, bytes);
        if (fresh != null) {
            out.add(new Piece(STORED, null, fresh));
        }
        release(out);
        return out;
    }

    /** A live chunk; returns what can be sent now, in order (nothing when it was sent already or must wait). */
    List<Piece> chunk(ExecutionLogChunk chunk) {
        List<Piece> out = new ArrayList<>();
        if (chunk.offset() == null || !positionKnown) {
            positionKnown = false;
            if (chunk.seq() >= nextSeq) {
                nextSeq = chunk.seq() + 1;
                out.add(new Piece(streamOf(chunk), chunk.seq(), chunk.text() == null ? "" : chunk.text()));
            }
            return out;
        }
        if (chunk.offset() > sent) {
            if (held.size() < maxHeld) {
                held.put(chunk.offset(), chunk);
            }
            return out; // past the limit it is dropped: the stored log fills the gap at the end
        }
        sendFrom(chunk, out);
        release(out);
        return out;
    }

    /** The part of a chunk past {@link #sent}, if any, onto {@code out}. */
    private void sendFrom(ExecutionLogChunk chunk, List<Piece> out) {
        byte[] bytes = chunk.text() == null ? new byte[0] : chunk.text().getBytes(StandardCharsets.UTF_8);
        String fresh = tail(chunk.offset(), bytes);
        if (fresh != null) {
            out.add(new Piece(streamOf(chunk), chunk.seq(), fresh));
        }
    }

    private static String streamOf(ExecutionLogChunk chunk) {
        return chunk.stream() == null ? null : chunk.stream().name();
    }

    /** The part of {@code bytes} (starting at {@code from}) past {@link #sent}, and moves sent past it; null when none. */
    private String tail(long from, byte[] bytes) {
        long end = from + bytes.length;
        if (end <= sent || from > sent) {
            return null;
        }
        int skip = (int) (sent - from); // a boundary of earlier pieces: a character boundary
        sent = end;
        return new String(bytes, skip, bytes.length - skip, StandardCharsets.UTF_8);
    }

    /** Held chunks that now follow on without a gap. */
    private void release(List<Piece> out) {
        Map.Entry<Long, ExecutionLogChunk> first;
        while ((first = held.firstEntry()) != null && first.getKey() <= sent) {
            held.pollFirstEntry();
            sendFrom(first.getValue(), out);
        }
    }
}
