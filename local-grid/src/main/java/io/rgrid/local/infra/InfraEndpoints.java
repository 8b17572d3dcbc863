package io.rgrid.local.infra;

/**
 * How to reach the infrastructure servers of a local grid or a test run.
 *
 * @param postgresPort  PostgreSQL on 127.0.0.1, superuser {@code postgres}, no password
 * @param kafkaBootstrap Kafka bootstrap servers
 * @param s3Endpoint    S3 API base URL
 */
public record InfraEndpoints(int postgresPort, String kafkaBootstrap, String s3Endpoint, String s3AccessKey,
                             String s3SecretKey, long pid) {

    @Override
    public String toString() {
        return "InfraEndpoints[postgres=127.0.0.1:" + postgresPort + ", kafka=" + kafkaBootstrap + ", s3=" + s3Endpoint
                + ", s3AccessKey=" + s3AccessKey + ", s3SecretKey=***, pid=" + pid + "]";
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + Ports.LOOPBACK + ":" + postgresPort + "/" + database;
    }
}
