package io.rgrid.api.logs;

import io.rgrid.api.config.RgridConfig;
import io.rgrid.api.execution.repository.ExecutionRecord;
import io.rgrid.api.support.TestConfigs;
import io.rgrid.model.event.Envelope;
import io.rgrid.model.event.Event;
import io.rgrid.model.event.EventCodec;
import io.rgrid.model.event.ExecutionLogChunk;
import io.rgrid.model.event.LogStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The API refuses live chunks past the log cap, whatever the agent sends. */
class LogCapGateTest {

    private static final UUID ID = UUID.randomUUID();

    @ParameterizedTest(name = "offset {0}, \"{1}\", cap {2} -> {3}")
    @CsvSource(delimiter = '|', nullValues = "null", textBlock = """
            0    | abcd | 4096 | true
            4092 | abcd | 4096 | true
            4093 | abcd | 4096 | false
            4096 | a    | 4096 | false
            4094 | é    | 4096 | true
            4095 | é    | 4096 | false
            null | a    | 4096 | false
            -1   | a    | 4096 | false
            """)
    void aChunkIsWithinTheCapWhenItsOffsetIsKnownAndItEndsByTheCap(Long offset, String text, long cap, boolean within) {
        assertThat(LogHub.withinCap(new ExecutionLogChunk(ID, 1, LogStream.STDOUT, 0, text, offset), cap)).isEqualTo(within);
    }

    @Test
    void theLogConsumerHandsNoChunkPastTheCapToFollowers() {
        RgridConfig config = TestConfigs.with(Map.of("rgrid.logs.max-bytes", "4096"));
        LogHub hub = new LogHub(config);
        LogConsumer consumer = new LogConsumer(null, hub);
        List<ExecutionLogChunk> got = new ArrayList<>();
        hub.follow(ID, new LogHub.Follower() {
            @Override
            public void chunk(ExecutionLogChunk chunk) {
                got.add(chunk);
            }

            @Override
            public void end(ExecutionRecord row) {
            }
        });
        String part = "x".repeat(2048);
        consumer.handle(record(new ExecutionLogChunk(ID, 1, LogStream.STDOUT, 0, part, 0L)));
        consumer.handle(record(new ExecutionLogChunk(ID, 1, LogStream.STDOUT, 1, part, 2048L))); // ends at the cap
        consumer.handle(record(new ExecutionLogChunk(ID, 1, LogStream.STDOUT, 2, "past the cap\n", 4096L)));
        consumer.handle(record(new ExecutionLogChunk(ID, 1, LogStream.STDOUT, 3, "no offset\n")));

        assertThat(got).extracting(ExecutionLogChunk::seq).containsExactly(0L, 1L);
        assertThat(hub.refused()).isEqualTo(2);
    }

    private static Envelope<Event> record(ExecutionLogChunk chunk) {
        return EventCodec.decode(EventCodec.encode(Envelope.of(chunk))).orElseThrow();
    }
}
