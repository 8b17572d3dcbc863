package io.rgrid.orchestrator.agent;

/**
 * What {@link AgentClient} needs to reach one worker's agent: its id (checked against the agent's
 * health answer and named in logs), its address ({@code host:port}) and the bearer token the
 * orchestrator issued it. The registry's {@code WorkerRecord} is one; the agent package does not
 * know the registry (issue 19: no package cycle).
 */
public interface AgentTarget {

    String id();

    String address();

    String token();
}
