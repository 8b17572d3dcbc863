package io.rgrid.orchestrator.crash;

import io.rgrid.model.KafkaPrincipals;
import io.rgrid.testinfra.Servers;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Orchestrators run as the packaged jar ({@code target/quarkus-app}, so only after the package
 * phase: the tests that use this are {@code *CrashIT}) against the shared servers, in one grid
 * database, for tests that kill them; and what those tests read from that database.
 */
public final class PackagedOrchestrators implements AutoCloseable {

    private final Servers servers;
    private final String jdbcUrl;
    private final Path jar;
    private final List<Process> started = new ArrayList<>();

    /**
     * @param database the grid's database: what an earlier run left live in it is ended
     *                 ({@link #endLeftovers}); aborts the test when the orchestrator is not packaged
     */
    public PackagedOrchestrators(Servers servers, String database) {
        this.servers = servers;
        this.jar = Path.of(System.getProperty("build.repo.root", "."),
                "orchestrator-service/target/quarkus-app/quarkus-run.jar");
        Assumptions.assumeTrue(Files.isRegularFile(jar), "orchestrator not packaged at " + jar);
        this.jdbcUrl = servers.jdbcUrl(database);
        endLeftovers();
    }

    public String jdbcUrl() {
        return jdbcUrl;
    }

    /**
     * Starts one with the orchestrator's Kafka login and {@code options} ({@code -Dkey=value}),
     * its output in {@code target/<name>.log}.
     */
    public Process start(List<String> options, String name) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(servers.kafka().javaOptions(KafkaPrincipals.ORCHESTRATOR));
        command.addAll(options);
        command.addAll(List.of("-jar", jar.toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(log(name).toFile())).start();
        started.add(process);
        return process;
    }

    /** Where {@link #start} writes the output of {@code name}. */
    public Path log(String name) {
        return jar.getParent().getParent().resolve(name + ".log");
    }

    /** The lease's holder ({@code <instance>/<uuid>}) while it is valid, else "". */
    public String leaseHolder() {
        try (Connection c = connect(); Statement st = c.createStatement();
             ResultSet rows = st.executeQuery("SELECT holder FROM orchestrator.leader_lease "
                     + "WHERE name = 'orchestrator' AND expires_at > now()")) {
            return rows.next() ? rows.getString(1) : "";
        } catch (SQLException e) {
            return ""; // the schema is not there before the first start
        }
    }

    /** A column of the orchestrator's row of execution {@code id}, as text; null when there is none. */
    public String execution(UUID id, String column) {
        try (Connection c = connect(); PreparedStatement select = c.prepareStatement(
                "SELECT " + column + " FROM orchestrator.executions WHERE id = ?")) {
            select.setObject(1, id);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? rows.getString(1) : null;
            }
        } catch (SQLException e) {
            return null; // the schema is not there before the first start
        }
    }

    /** The number of rows of {@code table} (in the orchestrator's schema) that match {@code where}. */
    public int count(String table, String where) throws SQLException {
        try (Connection c = connect(); Statement st = c.createStatement();
             ResultSet rows = st.executeQuery("SELECT count(*) FROM orchestrator." + table + " WHERE " + where)) {
            rows.next();
            return rows.getInt(1);
        }
    }

    private void endLeftovers() {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE orchestrator.executions SET state = 'CANCELLED' "
                    + "WHERE state IN ('QUEUED', 'ASSIGNED', 'RUNNING')");
            s.executeUpdate("UPDATE orchestrator.workers SET state = 'DELETED' WHERE state <> 'DELETED'");
            s.executeUpdate("DELETE FROM orchestrator.leader_lease");
        } catch (SQLException e) {
            // first run: the schema does not exist yet
        }
    }

    private Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl, servers.dbUser(), servers.dbPassword());
    }

    /** Stops every one still running: SIGTERM, then SIGKILL after 30 s. */
    @Override
    public void close() throws InterruptedException {
        for (Process p : started) {
            p.destroy();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
