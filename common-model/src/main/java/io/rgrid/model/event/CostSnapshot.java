package io.rgrid.model.event;

import io.rgrid.model.Topics;

import java.time.Instant;
import java.util.Map;

/** The grid's spend so far: started server-hours times hourly price, per worker and in total. */
public record CostSnapshot(Instant at, double totalEur, Map<String, Double> perWorkerEur) implements Event {

    public CostSnapshot {
        perWorkerEur = perWorkerEur == null ? Map.of() : Map.copyOf(perWorkerEur);
    }

    @Override
    public String key() {
        return Topics.CLUSTER_KEY;
    }
}
