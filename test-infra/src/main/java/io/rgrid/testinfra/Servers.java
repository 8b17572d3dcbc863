package io.rgrid.testinfra;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The shared servers of a test run: real PostgreSQL (superuser {@code postgres}, no password),
 * Kafka (SASL_SSL: {@link #kafka()} has the logins) and S3 on loopback.
 */
public record Servers(int postgresPort, String kafkaBootstrap, String s3Endpoint, String s3AccessKey, String s3SecretKey,
                      KafkaLogins kafka) {

    public String dbUser() {
        return "postgres";
    }

    public String dbPassword() {
        return "";
    }

    /** JDBC URL of {@code database}, created when missing. */
    public String jdbcUrl(String database) {
        if (!database.matches("[a-z_][a-z0-9_]{0,62}")) {
            throw new IllegalArgumentException("database name must be lowercase letters, digits and _: " + database);
        }
        try (Connection c = DriverManager.getConnection(url("postgres"), dbUser(), dbPassword());
             Statement s = c.createStatement()) {
            var rs = s.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + database + "'");
            if (!rs.next()) {
                s.execute("CREATE DATABASE " + database);
            }
        } catch (SQLException e) {
            if (!"42P04".equals(e.getSQLState()) && !"23505".equals(e.getSQLState())) {
                throw new IllegalStateException("cannot create test database " + database + ": " + e.getMessage(), e);
            }
        }
        return url(database);
    }

    private String url(String database) {
        return "jdbc:postgresql://127.0.0.1:" + postgresPort + "/" + database;
    }
}
