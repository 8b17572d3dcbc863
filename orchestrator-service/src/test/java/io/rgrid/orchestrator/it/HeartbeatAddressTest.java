package io.rgrid.orchestrator.it;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.rgrid.model.Ids;
import io.rgrid.model.KafkaPrincipals;
import io.rgrid.model.event.WorkerHeartbeat;
import io.rgrid.orchestrator.config.RgridConfig;
import io.rgrid.testinfra.SharedServersResource;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A worker's address comes from its provider or its configuration, never from a heartbeat: a
 * genuine heartbeat (signed with the worker's token) that names another address is applied
 * (the worker becomes READY, its capacity is stored) and leaves the address as it was, also when
 * the registry has none yet (before, the first heartbeat filled it, so whoever held a worker's
 * token could have its assignments and token sent to an address of its choosing).
 */
@QuarkusTest
@QuarkusTestResource(value = SharedServersResource.class, initArgs = {@ResourceArg(name = "namespace", value = "orch"),
        @ResourceArg(name = "kafka-user", value = KafkaPrincipals.ORCHESTRATOR)})
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HeartbeatAddressTest {

    private static final String CLAIMED = "http://203.0.113.7:8002";

    @Inject
    RgridConfig config;

    @Inject
    AgroalDataSource dataSource;

    private GridEvents grid;

    @BeforeAll
    void connect() throws Exception {
        grid = new GridEvents(config);
    }

    @AfterAll
    void close() throws Exception {
        grid.close();
    }

    @ParameterizedTest
    @CsvSource(value = {"http://10.0.0.5:8002", "NULL"}, nullValues = "NULL")
    void aHeartbeatsAddressChangesNothing(String recorded) throws Exception {
        String workerId = Ids.newWorkerId();
        try (Connection c = dataSource.getConnection();
             PreparedStatement insert = c.prepareStatement("INSERT INTO workers (id, provider, address, token, state, "
                     + "slots, free_cpus, free_memory_mb, total_cpus, total_memory_mb, created_at, updated_at) "
                     + "VALUES (?, 'static', ?, 'token', 'PROVISIONING', 0, 0, 0, 0, 0, now(), now())")) {
            insert.setString(1, workerId);
            insert.setString(2, recorded);
            insert.executeUpdate();
        }
        try {
            grid.sendHeartbeat(new WorkerHeartbeat(workerId, CLAIMED, 3, 0, 0, List.of(), "test", "process", false),
                    "token");
            await().atMost(GridEvents.PATIENCE).until(() -> "READY".equals(column("state", workerId)));
            assertThat(column("slots", workerId)).as("the heartbeat was applied").isEqualTo("3");
            assertThat(column("address", workerId)).isEqualTo(recorded);
        } finally {
            try (Connection c = dataSource.getConnection();
                 PreparedStatement update = c.prepareStatement("UPDATE workers SET state = 'DELETED' WHERE id = ?")) {
                update.setString(1, workerId);
                update.executeUpdate();
            }
        }
    }

    private String column(String name, String workerId) throws Exception {
        try (Connection c = dataSource.getConnection();
             PreparedStatement select = c.prepareStatement("SELECT " + name + " FROM workers WHERE id = ?")) {
            select.setString(1, workerId);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? rows.getString(1) : null;
            }
        }
    }
}
