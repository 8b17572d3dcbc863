package io.rgrid.worker.storage;

import io.minio.BucketExistsArgs;
import io.minio.GetObjectArgs;
import io.minio.GetPresignedObjectUrlArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PostPolicy;
import io.minio.PutObjectArgs;
import io.minio.StatObjectArgs;
import io.minio.http.Method;
import io.rgrid.model.agent.StorageAccess;
import io.rgrid.model.storage.StorageKeys;
import io.rgrid.platform.storage.StoragePresigner;
import io.rgrid.testinfra.Servers;
import io.rgrid.testinfra.SharedServers;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Evidence for the worker's per-attempt storage access (docs/decisions.md, "Workers' storage
 * access: presigned GETs and a presigned POST policy per run"): the S3 server the tests and the
 * local grid run, S3Proxy, honours presigned GET URLs and the conditions of a presigned POST
 * policy, so a URL or form handed out for one run reads and writes that run's objects only.
 * Uploads go through the agent's own {@link ExecutionStorage}; nothing else of the agent runs.
 */
class PresignedStoreTest {

    private static final String BUCKET = "presigned";
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String STORED = "stored";

    private static Servers servers;
    private static MinioClient s3;

    @BeforeAll
    static void connect() throws Exception {
        servers = SharedServers.get();
        // The region is given, so presigning is computed here and sends no request to the store.
        s3 = MinioClient.builder().endpoint(servers.s3Endpoint())
                .credentials(servers.s3AccessKey(), servers.s3SecretKey()).region("us-east-1").build();
        if (!s3.bucketExists(BucketExistsArgs.builder().bucket(BUCKET).build())) {
            s3.makeBucket(MakeBucketArgs.builder().bucket(BUCKET).build());
        }
    }

    @Test
    void aPresignedGetReadsItsObjectAndNoOther() throws Exception {
        UUID mine = UUID.randomUUID();
        UUID other = UUID.randomUUID();
        put(StorageKeys.script(mine), "print('mine')\n");
        put(StorageKeys.script(other), "print('secret of another project')\n");
        String url = s3.getPresignedObjectUrl(GetPresignedObjectUrlArgs.builder().method(Method.GET).bucket(BUCKET)
                .object(StorageKeys.script(mine)).expiry(3600).build());

        HttpResponse<String> read = get(url);
        assertThat(read.statusCode()).isEqualTo(200);
        assertThat(read.body()).isEqualTo("print('mine')\n");
        // The same signature on another key, or used to write, is refused: it signs method and path.
        HttpResponse<String> elsewhere = get(url.replace(mine.toString(), other.toString()));
        assertThat(elsewhere.statusCode()).isEqualTo(403);
        assertThat(elsewhere.body()).doesNotContain("secret");
        HttpResponse<String> write = HTTP.send(HttpRequest.newBuilder(URI.create(url))
                .PUT(HttpRequest.BodyPublishers.ofString("overwritten")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(write.statusCode()).isEqualTo(403);
        assertThat(read(StorageKeys.script(mine))).isEqualTo("print('mine')\n");
    }

    @Test
    void theOrchestratorsSignedAccessServesOneRunOfOneAttemptOnly(@TempDir Path dir) throws Exception {
        UUID id = UUID.randomUUID();
        UUID other = UUID.randomUUID();
        put(StorageKeys.script(id), "print('mine')\n");
        put(StorageKeys.input(id, "data.csv"), "x,y\n");
        put(StorageKeys.script(other), "print('secret of another project')\n");
        StoragePresigner presigner = new StoragePresigner(servers.s3Endpoint(), servers.s3AccessKey(),
                servers.s3SecretKey(), "us-east-1", BUCKET);
        StorageAccess access = presigner.access(id, 2, StorageKeys.script(id),
                Map.of("data.csv", StorageKeys.input(id, "data.csv")), null, Duration.ofMinutes(5));
        assertThat(StorageKeys.isRun(access.run())).isTrue();
        assertThat(access.expiresAt()).isAfter(Instant.now().plusSeconds(240)).isBefore(Instant.now().plusSeconds(310));

        ExecutionStorage agent = new ExecutionStorage(Duration.ofSeconds(60));
        agent.download(access.scriptUrl(), dir.resolve("script.py"), "the script");
        agent.download(access.inputUrls().get("data.csv"), dir.resolve("data.csv"), "input data.csv");
        assertThat(dir.resolve("script.py")).hasContent("print('mine')");
        assertThat(dir.resolve("data.csv")).hasContent("x,y");
        assertThat(get(access.scriptUrl().replace(id.toString(), other.toString())).statusCode()).isEqualTo(403);

        Map<String, String> form = access.uploadFields();
        assertThat(post(form, StorageKeys.log(id, 2, access.run()), "log\n")).isEqualTo(STORED);
        for (String key : new String[]{StorageKeys.log(id, 2, UUID.randomUUID().toString()), StorageKeys.log(id, 1,
                access.run()), StorageKeys.log(other, 2, access.run()), StorageKeys.script(id)}) {
            assertThat(post(form, key, "overwrite")).as(key).contains("HTTP 403");
        }
        assertThat(read(StorageKeys.script(id))).isEqualTo("print('mine')\n");
        // A second access for the same attempt (the assignment sent again) is another run.
        assertThat(presigner.access(id, 2, StorageKeys.script(id), Map.of(), null, Duration.ofMinutes(5)).run())
                .isNotEqualTo(access.run());
    }

    @Test
    void aPostPolicyForOneRunWritesBelowItsPrefixOnly() throws Exception {
        UUID id = UUID.randomUUID();
        String run = UUID.randomUUID().toString();
        Map<String, String> form = policy(StorageKeys.runPrefix(id, 1, run), ZonedDateTime.now().plusHours(1), 1 << 20);

        assertThat(post(form, StorageKeys.log(id, 1, run), "the log\n")).isEqualTo(STORED);
        assertThat(post(form, StorageKeys.output(id, 1, run, "sub/result.csv"), "a,b\n")).isEqualTo(STORED);
        assertThat(read(StorageKeys.log(id, 1, run))).isEqualTo("the log\n");
        assertThat(read(StorageKeys.output(id, 1, run, "sub/result.csv"))).isEqualTo("a,b\n");
        // The same log key rewritten (the running log is stored again as it grows).
        assertThat(post(form, StorageKeys.log(id, 1, run), "the log\nand more\n")).isEqualTo(STORED);
        assertThat(read(StorageKeys.log(id, 1, run))).isEqualTo("the log\nand more\n");

        // Another run of the same attempt, the layout before runs, the execution's own files,
        // another attempt and another execution: all refused, nothing written.
        String[] refused = {
                StorageKeys.log(id, 1, UUID.randomUUID().toString()),
                StorageKeys.log(id, 1),
                StorageKeys.script(id),
                StorageKeys.log(id, 2, run),
                StorageKeys.log(UUID.randomUUID(), 1, run)};
        for (String key : refused) {
            assertThat(post(form, key, "overwrite")).as(key).contains("HTTP 403");
            assertThat(exists(key)).as(key).isFalse();
        }
    }

    @Test
    void anExpiredPolicyAndAnOversizedFileAreRefused() throws Exception {
        UUID id = UUID.randomUUID();
        String run = UUID.randomUUID().toString();
        Map<String, String> expired = policy(StorageKeys.runPrefix(id, 1, run), ZonedDateTime.now().minusMinutes(1), 1 << 20);
        assertThat(post(expired, StorageKeys.log(id, 1, run), "late\n")).contains("HTTP 403");
        assertThat(exists(StorageKeys.log(id, 1, run))).isFalse();

        Map<String, String> small = policy(StorageKeys.runPrefix(id, 1, run), ZonedDateTime.now().plusHours(1), 16);
        assertThat(post(small, StorageKeys.log(id, 1, run), "x".repeat(17))).contains("HTTP 4");
        assertThat(exists(StorageKeys.log(id, 1, run))).isFalse();
        assertThat(post(small, StorageKeys.log(id, 1, run), "x".repeat(16))).isEqualTo(STORED);
    }

    private static Map<String, String> policy(String prefix, ZonedDateTime expiration, long maxBytes) throws Exception {
        PostPolicy policy = new PostPolicy(BUCKET, expiration);
        policy.addStartsWithCondition("key", prefix);
        policy.addContentLengthRangeCondition(0, maxBytes);
        return s3.getPresignedPostFormData(policy);
    }

    /**
     * Stores {@code content} under {@code key} with the agent's own uploader and the form's policy,
     * as an agent holding no key does: {@link #STORED}, or why the store refused.
     */
    private static String post(Map<String, String> form, String key, String content) throws Exception {
        Path file = Files.createTempFile("presigned", ".txt");
        try {
            Files.writeString(file, content);
            new ExecutionStorage(Duration.ofSeconds(60)).upload(new StorageAccess("run", "unused", Map.of(), null,
                    servers.s3Endpoint() + "/" + BUCKET, form, Instant.now()), key, file);
            return STORED;
        } catch (ExecutionStorage.StorageException e) {
            return e.getMessage();
        } finally {
            Files.delete(file);
        }
    }

    private static HttpResponse<String> get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void put(String key, String text) throws Exception {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        s3.putObject(PutObjectArgs.builder().bucket(BUCKET).object(key)
                .stream(new ByteArrayInputStream(bytes), bytes.length, -1).build());
    }

    private static String read(String key) throws Exception {
        try (var in = s3.getObject(GetObjectArgs.builder().bucket(BUCKET).object(key).build())) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static boolean exists(String key) {
        try {
            s3.statObject(StatObjectArgs.builder().bucket(BUCKET).object(key).build());
            return true;
        } catch (Exception e) {
            return false;
        }
    }
}
