package io.rgrid.local.infra;

import java.util.Map;

/**
 * How to reach the infrastructure servers of a local grid or a test run.
 *
 * @param postgresPort  PostgreSQL on 127.0.0.1, superuser {@code postgres}, no password
 * @param kafkaBootstrap Kafka bootstrap servers (SASL_SSL)
 * @param s3Endpoint    S3 API base URL
 * @param kafkaCaFile   PEM file of the broker's certificate, which its clients trust
 * @param kafkaPasswords the SCRAM password of each Kafka user (io.rgrid.model.KafkaPrincipals)
 */
public record InfraEndpoints(int postgresPort, String kafkaBootstrap, String s3Endpoint, String s3AccessKey,
                             String s3SecretKey, long pid, String kafkaCaFile, Map<String, String> kafkaPasswords) {

    @Override
    public String toString() {
        return "InfraEndpoints[postgres=127.0.0.1:" + postgresPort + ", kafka=" + kafkaBootstrap + ", s3=" + s3Endpoint
                + ", s3AccessKey=" + s3AccessKey + ", s3SecretKey=***, pid=" + pid + ", kafkaCaFile=" + kafkaCaFile
                + ", kafkaUsers=" + kafkaPasswords.keySet() + "]";
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + Ports.LOOPBACK + ":" + postgresPort + "/" + database;
    }
}
