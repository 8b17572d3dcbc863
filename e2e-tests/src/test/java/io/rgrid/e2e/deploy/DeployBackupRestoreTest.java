package io.rgrid.e2e.deploy;

import io.minio.BucketExistsArgs;
import io.minio.GetObjectArgs;
import io.minio.ListObjectsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveBucketArgs;
import io.minio.RemoveObjectArgs;
import io.minio.Result;
import io.minio.messages.Item;
import io.rgrid.model.storage.StorageKeys;
import io.rgrid.testinfra.SharedServers;
import io.rgrid.testinfra.Servers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Backs up a control plane with {@code infra/backup.sh} (pg_dump, bucket mirror, config archive)
 * and restores it with {@code infra/restore.sh} into an empty database and an empty bucket of the
 * shared test servers; the executions and their outputs must come back identical. The schema is
 * a representative copy of api-service's (schema {@code api}, executions with jsonb, timestamps
 * and nulls, and transitions with a foreign key and the run a report named); the objects use
 * {@link StorageKeys}, in both layouts (docs/architecture.md, "Storage layout"): two executions
 * whose attempt stored under a run (one with a stray second run beside it) and one stored before runs.
 */
class DeployBackupRestoreTest {

    @Test
    void restoredBackupHasTheExecutionsAndTheirOutputs(@TempDir Path dir) throws Exception {
        Path repo = SharedServers.repoRoot();
        Servers servers = SharedServers.get();
        String suffix = Long.toString(System.nanoTime(), 36);
        String sourceBucket = "backupsrc-" + suffix;
        String targetBucket = "backupdst-" + suffix;
        String sourceJdbc = servers.jdbcUrl("backupsrc");
        String targetJdbc = servers.jdbcUrl("backupdst");
        resetDatabase(servers, sourceJdbc);
        resetDatabase(servers, targetJdbc);

        MinioClient s3 = MinioClient.builder().endpoint(servers.s3Endpoint())
                .credentials(servers.s3AccessKey(), servers.s3SecretKey()).region("us-east-1").build();
        s3.makeBucket(MakeBucketArgs.builder().bucket(sourceBucket).build());

        List<UUID> ids = List.of(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID());
        // The run each execution's attempt 1 stored under; null: stored before runs (the old layout).
        String[] runs = {UUID.randomUUID().toString(), UUID.randomUUID().toString(), null};
        try (Connection db = DriverManager.getConnection(sourceJdbc, servers.dbUser(), servers.dbPassword());
             Statement ddl = db.createStatement()) {
            ddl.execute("CREATE SCHEMA api");
            ddl.execute("""
                    CREATE TABLE api.executions (
                        id uuid PRIMARY KEY, project_id text NOT NULL, state text NOT NULL, attempt int NOT NULL,
                        spec jsonb NOT NULL, exit_code int, reason text, created_at timestamptz NOT NULL)""");
            ddl.execute("""
                    CREATE TABLE api.execution_transitions (
                        id bigserial PRIMARY KEY, execution_id uuid NOT NULL REFERENCES api.executions(id),
                        attempt int NOT NULL, from_state text, to_state text NOT NULL, at timestamptz NOT NULL, run text)""");
            try (PreparedStatement insert = db.prepareStatement(
                    "INSERT INTO api.executions VALUES (?, 'default', ?, ?, ?::jsonb, ?, ?, now())");
                 PreparedStatement transition = db.prepareStatement(
                         "INSERT INTO api.execution_transitions (execution_id, attempt, from_state, to_state, at, run) "
                                 + "VALUES (?, 1, 'QUEUED', ?, now(), ?)")) {
                String[] states = {"SUCCEEDED", "FAILED", "QUEUED"};
                for (int i = 0; i < ids.size(); i++) {
                    insert.setObject(1, ids.get(i));
                    insert.setString(2, states[i]);
                    insert.setInt(3, i + 1);
                    insert.setString(4, "{\"image\":\"rgrid/python:3.11-local\",\"args\":[\"--n\",\"" + i + "\"],\"cpus\":1}");
                    insert.setObject(5, i == 2 ? null : i);
                    insert.setString(6, i == 1 ? "NONZERO_EXIT" : null);
                    insert.addBatch();
                    transition.setObject(1, ids.get(i));
                    transition.setString(2, states[i]);
                    transition.setString(3, runs[i]);
                    transition.addBatch();
                }
                insert.executeBatch();
                transition.executeBatch();
            }
        }
        Map<String, byte[]> objects = new TreeMap<>();
        for (int i = 0; i < ids.size(); i++) {
            UUID execution = ids.get(i);
            objects.put(StorageKeys.script(execution), "print('hi')\n".getBytes(StandardCharsets.UTF_8));
            objects.put(StorageKeys.output(execution, 1, runs[i], "result.csv"),
                    ("a,b\n1," + execution + "\n").getBytes(StandardCharsets.UTF_8));
            objects.put(StorageKeys.output(execution, 1, runs[i], "report name+1.txt"),
                    "spaces and plus".getBytes(StandardCharsets.UTF_8));
            objects.put(StorageKeys.log(execution, 1, runs[i]), "Hello from RGrid!\n".getBytes(StandardCharsets.UTF_8));
        }
        byte[] binary = new byte[300_000];
        new java.util.Random(7).nextBytes(binary);
        objects.put(StorageKeys.output(ids.get(0), 1, runs[0], "sub/model.bin"), binary);
        // A stray second run of the first execution's attempt: kept as it is, beside the counted one.
        String stray = UUID.randomUUID().toString();
        objects.put(StorageKeys.log(ids.get(0), 1, stray), "stray run\n".getBytes(StandardCharsets.UTF_8));
        objects.put(StorageKeys.output(ids.get(0), 1, stray, "result.csv"), "stray".getBytes(StandardCharsets.UTF_8));
        for (Map.Entry<String, byte[]> object : objects.entrySet()) {
            s3.putObject(PutObjectArgs.builder().bucket(sourceBucket).object(object.getKey())
                    .stream(new ByteArrayInputStream(object.getValue()), object.getValue().length, -1).build());
        }

        Path sourceEnv = writeEnv(dir.resolve("source.env"), servers, "backupsrc", sourceBucket);
        Path targetEnv = writeEnv(dir.resolve("target.env"), servers, "backupdst", targetBucket);
        Path key = Files.writeString(dir.resolve("hetzner_worker.key"), "not a real key\n");

        DeployProcess backup = DeployProcess.run(repo, Map.of(), Duration.ofMinutes(2), List.of("bash", "infra/backup.sh",
                "--env", sourceEnv.toString(), "--out", dir.resolve("backups").toString(),
                "--config", sourceEnv.toString(), "--config", key.toString()));
        assertThat(backup.exitCode()).as(backup.toString()).isZero();
        Path backupDir = Path.of(backup.output().strip().lines().reduce((a, b) -> b).orElseThrow());
        assertThat(backupDir.resolve("database.sql")).isRegularFile();
        assertThat(backupDir.resolve("config.tar.gz")).isRegularFile();

        DeployProcess restore = DeployProcess.run(repo, Map.of(), Duration.ofMinutes(2), List.of("bash", "infra/restore.sh",
                backupDir.toString(), "--env", targetEnv.toString(), "--config-to", dir.resolve("config").toString()));
        assertThat(restore.exitCode()).as(restore.toString()).isZero();

        assertThat(rows(servers, targetJdbc, "SELECT * FROM api.executions ORDER BY id"))
                .hasSize(3)
                .isEqualTo(rows(servers, sourceJdbc, "SELECT * FROM api.executions ORDER BY id"));
        assertThat(rows(servers, targetJdbc, "SELECT * FROM api.execution_transitions ORDER BY id"))
                .isEqualTo(rows(servers, sourceJdbc, "SELECT * FROM api.execution_transitions ORDER BY id"));
        Map<String, byte[]> restored = read(s3, targetBucket);
        assertThat(restored).containsOnlyKeys(objects.keySet())
                .allSatisfy((name, bytes) -> assertThat(bytes).as(name).isEqualTo(objects.get(name)));
        // What the API would serve after the restore: each attempt's counted run (from the restored
        // transitions; none: the old layout) has its log and outputs in the restored bucket.
        for (List<Object> row : rows(servers, targetJdbc, "SELECT execution_id, run FROM api.execution_transitions ORDER BY id")) {
            UUID execution = UUID.fromString((String) row.get(0));
            String run = (String) row.get(1);
            assertThat(run).isEqualTo(runs[ids.indexOf(execution)]);
            assertThat(restored).containsKeys(StorageKeys.log(execution, 1, run), StorageKeys.output(execution, 1, run, "result.csv"));
            assertThat(new String(restored.get(StorageKeys.output(execution, 1, run, "result.csv")), StandardCharsets.UTF_8))
                    .contains(execution.toString());
        }
        assertThat(dir.resolve("config").resolve(key.toString().substring(1))).hasContent("not a real key");

        // Restoring over a database that has the schema is refused, not merged.
        DeployProcess again = DeployProcess.run(repo, Map.of(), Duration.ofMinutes(1), List.of("bash", "infra/restore.sh",
                backupDir.toString(), "--env", targetEnv.toString()));
        assertThat(again.exitCode()).as(again.toString()).isNotZero();
        assertThat(again.output()).contains("restore into an empty database");

        removeBucket(s3, sourceBucket);
        removeBucket(s3, targetBucket);
    }

    private static Path writeEnv(Path file, Servers servers, String database, String bucket) throws Exception {
        String endpoint = servers.s3Endpoint().replaceFirst("^https?://", "");
        return Files.writeString(file, """
                DATABASE_URL=postgresql+asyncpg://%s@127.0.0.1:%d/%s
                MINIO_ENDPOINT=%s
                MINIO_ACCESS_KEY=%s
                MINIO_SECRET_KEY=%s
                MINIO_BUCKET_NAME=%s
                MINIO_USE_SSL=false
                """.formatted(servers.dbUser(), servers.postgresPort(), database, endpoint,
                servers.s3AccessKey(), servers.s3SecretKey(), bucket));
    }

    private static void resetDatabase(Servers servers, String jdbc) throws Exception {
        try (Connection db = DriverManager.getConnection(jdbc, servers.dbUser(), servers.dbPassword());
             Statement statement = db.createStatement()) {
            statement.execute("DROP SCHEMA IF EXISTS api CASCADE");
        }
    }

    private static List<List<Object>> rows(Servers servers, String jdbc, String query) throws Exception {
        List<List<Object>> rows = new ArrayList<>();
        try (Connection db = DriverManager.getConnection(jdbc, servers.dbUser(), servers.dbPassword());
             Statement statement = db.createStatement(); ResultSet result = statement.executeQuery(query)) {
            int columns = result.getMetaData().getColumnCount();
            while (result.next()) {
                List<Object> row = new ArrayList<>();
                for (int c = 1; c <= columns; c++) {
                    Object value = result.getObject(c);
                    row.add(value == null ? null : value.toString());
                }
                rows.add(row);
            }
        }
        return rows;
    }

    private static Map<String, byte[]> read(MinioClient s3, String bucket) throws Exception {
        Map<String, byte[]> objects = new TreeMap<>();
        for (Result<Item> result : s3.listObjects(ListObjectsArgs.builder().bucket(bucket).recursive(true).build())) {
            String name = result.get().objectName();
            try (InputStream in = s3.getObject(GetObjectArgs.builder().bucket(bucket).object(name).build())) {
                objects.put(name, in.readAllBytes());
            }
        }
        return objects;
    }

    private static void removeBucket(MinioClient s3, String bucket) throws Exception {
        if (!s3.bucketExists(BucketExistsArgs.builder().bucket(bucket).build())) {
            return;
        }
        for (Result<Item> result : s3.listObjects(ListObjectsArgs.builder().bucket(bucket).recursive(true).build())) {
            s3.removeObject(RemoveObjectArgs.builder().bucket(bucket).object(result.get().objectName()).build());
        }
        s3.removeBucket(RemoveBucketArgs.builder().bucket(bucket).build());
    }
}
