package io.rgrid.orchestrator.kafka;

/**
 * A provisioned worker's own Kafka login ({@link WorkerLogins}): its SCRAM user and password. The
 * password goes only into the agent's environment, never into a log line ({@link #toString}).
 */
public record WorkerLogin(String username, String password) {

    @Override
    public String toString() {
        return "WorkerLogin[" + username + "]";
    }
}
