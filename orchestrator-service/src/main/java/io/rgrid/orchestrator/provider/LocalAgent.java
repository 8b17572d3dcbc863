package io.rgrid.orchestrator.provider;

import java.time.Instant;

/** A local agent process: started by this orchestrator, or adopted from a pid file a killed one left. */
record LocalAgent(String workerId, ProcessHandle process, int port, Instant startedAt) {
}
