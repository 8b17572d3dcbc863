package io.rgrid.costsim;

import java.util.Map;

/**
 * One policy's replay of one trace.
 *
 * @param periods          billing periods started, all workers together (server-hours in production)
 * @param costEur          periods × price
 * @param serversCreated   workers created over the whole replay
 * @param peakWorkers      most workers alive at once
 * @param waitP50Millis    queue wait (arrival → placed on a READY worker), median
 * @param waitP95Millis    queue wait, 95th percentile (nearest rank)
 * @param endMillis        when the replay ended: work done and workers down to min workers
 * @param periodsPerWorker started periods of each worker, by id
 */
public record Result(String trace, String policy, int executions, long periods, double costEur, int serversCreated,
                     int peakWorkers, long waitP50Millis, long waitP95Millis, long waitMaxMillis, long endMillis,
                     Map<String, Long> periodsPerWorker) {
}
