package io.rgrid.api.logs;

import io.rgrid.api.config.RgridConfig;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Where the live-log consumer starts: {@code rgrid.logs.replay-window} back on every partition it
 * is given, so a follower of an execution that was already running sees its earlier chunks; at
 * the end of a partition that has nothing that recent.
 */
@ApplicationScoped
@Identifier(LogReplay.NAME)
public class LogReplay implements KafkaConsumerRebalanceListener {

    static final String NAME = "rgrid-log-replay";
    private static final Logger LOG = Logger.getLogger(LogReplay.class);

    private final Duration window;
    private final Duration timeout;

    public LogReplay(RgridConfig config) {
        this.window = config.logs().replayWindow();
        this.timeout = config.kafka().requestTimeout();
    }

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        long from = System.currentTimeMillis() - window.toMillis();
        Map<TopicPartition, Long> query = new HashMap<>();
        partitions.forEach(p -> query.put(p, from));
        Map<TopicPartition, OffsetAndTimestamp> offsets = consumer.offsetsForTimes(query, timeout);
        for (TopicPartition p : partitions) {
            OffsetAndTimestamp o = offsets.get(p);
            if (o == null) {
                consumer.seekToEnd(List.of(p));
            } else {
                consumer.seek(p, o.offset());
            }
        }
        LOG.infof("log consumer reads %d partitions from %s back", partitions.size(), window);
    }
}
