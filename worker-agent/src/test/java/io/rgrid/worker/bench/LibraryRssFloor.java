package io.rgrid.worker.bench;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import io.minio.BucketExistsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.rgrid.model.KafkaPrincipals;
import io.rgrid.model.event.Envelope;
import io.rgrid.model.event.EventCodec;
import io.rgrid.model.event.WorkerHeartbeat;
import io.rgrid.testinfra.Servers;
import io.rgrid.testinfra.SharedServers;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * How much of the worker-agent's idle RSS its libraries cost on their own, without Quarkus and
 * without any agent code: each line is a child JVM with the agent's own options
 * ({@code jvm.options}) that only sets up the named clients the way the agent does (a Kafka
 * producer that sends a heartbeat every 5 s, a docker-java client on the unix socket with the
 * httpclient5 transport that lists containers, a MinIO client that checks a bucket, Jackson
 * encoding one event), then idles; its RSS is read after {@code settle} seconds. Not a test: run
 * it with {@code bench/worker-rss-floor.sh} (docs/benchmarks.md, "Idle RSS").
 */
public final class LibraryRssFloor {

    private static final String BUCKET = "worker-bench";
    private static final String TOPIC = "worker-bench.rgrid.worker-heartbeats.v1";

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--hold")) {
            hold(Set.of(args[1].split("\\+")), args[2], args[3], args[4], args[5]);
            return;
        }
        int settle = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        Path jvmOptions = Path.of(args.length > 1 ? args[1] : "worker-agent/target/quarkus-app/jvm.options")
                .toAbsolutePath();
        Servers servers = SharedServers.get();
        MinioClient s3 = MinioClient.builder().endpoint(servers.s3Endpoint())
                .credentials(servers.s3AccessKey(), servers.s3SecretKey()).region("us-east-1").build();
        if (!s3.bucketExists(BucketExistsArgs.builder().bucket(BUCKET).build())) {
            s3.makeBucket(MakeBucketArgs.builder().bucket(BUCKET).build());
        }
        boolean docker = Files.exists(Path.of("/var/run/docker.sock"));
        if (!docker) {
            System.out.println("NO DOCKER SOCKET: the lines with docker are skipped");
        }
        List<String> sets = List.of("none", "jackson", "kafka", "docker", "minio", "kafka+docker+jackson",
                "kafka+docker+jackson+minio");
        System.out.printf("%-28s %10s %8s%n", "libraries", "RSS (MiB)", "classes");
        for (String set : sets) {
            if (set.contains("docker") && !docker) {
                continue;
            }
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(), "@" + jvmOptions,
                    "-cp", System.getProperty("java.class.path"), LibraryRssFloor.class.getName(), "--hold", set,
                    servers.kafkaBootstrap(), servers.s3Endpoint(), servers.s3AccessKey(), servers.s3SecretKey()));
            Process child = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            try {
                TimeUnit.SECONDS.sleep(settle);
                if (!child.isAlive()) {
                    System.out.printf("%-28s failed (exit %d)%n", set, child.exitValue());
                    continue;
                }
                System.out.printf("%-28s %10.1f %8d%n", set, rssKib(child.pid()) / 1024.0, loadedClasses(child.pid()));
            } finally {
                child.destroyForcibly().waitFor();
            }
        }
        System.exit(0);
    }

    /** The child: sets up the named clients, then idles (the Kafka producer sending a heartbeat every 5 s). */
    private static void hold(Set<String> libraries, String kafka, String s3Endpoint, String accessKey, String secretKey)
            throws Exception {
        KafkaProducer<String, byte[]> producer = null;
        if (libraries.contains("docker")) {
            DockerClient client = DockerClientImpl.getInstance(DefaultDockerClientConfig.createDefaultConfigBuilder()
                    .build(), new ApacheDockerHttpClient.Builder()
                    .dockerHost(URI.create("unix:///var/run/docker.sock")).build());
            client.listContainersCmd().withShowAll(true).exec();
        }
        if (libraries.contains("minio")) {
            MinioClient.builder().endpoint(s3Endpoint).credentials(accessKey, secretKey).region("us-east-1").build()
                    .bucketExists(BucketExistsArgs.builder().bucket(BUCKET).build());
        }
        byte[] heartbeat = new byte[100];
        if (libraries.contains("jackson")) {
            heartbeat = EventCodec.encode(Envelope.of(new WorkerHeartbeat("rgrid-worker-floor1", "http://127.0.0.1:1",
                    2, 2, 1000, List.of(), "bench", "docker", false)));
        }
        if (libraries.contains("kafka")) {
            // as the workers' principal, like the agent (the shared servers' logins; kafka is their address)
            producer = new KafkaProducer<>(SharedServers.get().kafka().client(KafkaPrincipals.WORKER, Map.of(
                    ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, 0)),
                    new StringSerializer(), new ByteArraySerializer());
        }
        while (true) {
            if (producer != null) {
                producer.send(new ProducerRecord<>(TOPIC, "floor", heartbeat)).get();
            }
            TimeUnit.SECONDS.sleep(5);
        }
    }

    private static long rssKib(long pid) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    private static long loadedClasses(long pid) throws Exception {
        Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(pid), "VM.classes").redirectErrorStream(true).start();
        long lines = new String(jcmd.getInputStream().readAllBytes()).lines().count();
        jcmd.waitFor();
        return Math.max(0, lines - 2);
    }
}
