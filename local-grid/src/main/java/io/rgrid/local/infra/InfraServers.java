package io.rgrid.local.infra;

import io.rgrid.local.Layout;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.function.Consumer;

/** PostgreSQL, Kafka and S3 started together on free loopback ports, stopped in reverse order. */
public final class InfraServers implements AutoCloseable {

    private final PostgresServer postgres;
    private final KafkaServer kafka;
    private final S3Server s3;
    private final InfraEndpoints endpoints;

    private InfraServers(PostgresServer postgres, KafkaServer kafka, S3Server s3, InfraEndpoints endpoints) {
        this.postgres = postgres;
        this.kafka = kafka;
        this.s3 = s3;
        this.endpoints = endpoints;
    }

    /**
     * @param dataDir  holds postgres/, kafka/, s3/ and logs/
     * @param commits  PostgreSQL's commit durability ({@link PostgresServer.Commits})
     * @param progress told about each server as it comes up
     */
    public static InfraServers start(Layout layout, Path dataDir, String s3AccessKey, String s3SecretKey,
                                     PostgresServer.Commits commits, Consumer<String> progress) {
        Path logs = dataDir.resolve("logs");
        PostgresServer postgres = null;
        KafkaServer kafka = null;
        try {
            progress.accept("starting PostgreSQL");
            postgres = PostgresServer.start(dataDir.resolve("postgres"), Ports.free(), commits);
            progress.accept("PostgreSQL ready on 127.0.0.1:" + postgres.port() + "; starting Kafka");
            kafka = KafkaServer.start(layout.libDir(), dataDir.resolve("kafka"), Ports.free(), Ports.free(), logs.resolve("kafka.log"));
            progress.accept("Kafka ready on " + kafka.bootstrapServers() + "; starting S3");
            S3Server s3 = S3Server.start(layout.s3proxyJar(), dataDir.resolve("s3"), Ports.free(), s3AccessKey, s3SecretKey,
                    logs.resolve("s3.log"));
            progress.accept("S3 ready at " + s3.endpoint());
            InfraEndpoints endpoints = new InfraEndpoints(postgres.port(), kafka.bootstrapServers(), s3.endpoint(),
                    s3AccessKey, s3SecretKey, ProcessHandle.current().pid(), kafka.secrets().caFile().toString(),
                    kafka.secrets().passwords());
            return new InfraServers(postgres, kafka, s3, endpoints);
        } catch (RuntimeException e) {
            if (kafka != null) {
                kafka.stop();
            }
            if (postgres != null) {
                postgres.close();
            }
            throw e;
        }
    }

    public static String randomSecret(int bytes) {
        byte[] b = new byte[bytes];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    public InfraEndpoints endpoints() {
        return endpoints;
    }

    public PostgresServer postgres() {
        return postgres;
    }

    public KafkaServer kafka() {
        return kafka;
    }

    public S3Server s3() {
        return s3;
    }

    @Override
    public void close() {
        s3.stop();
        kafka.stop();
        postgres.close();
    }
}
