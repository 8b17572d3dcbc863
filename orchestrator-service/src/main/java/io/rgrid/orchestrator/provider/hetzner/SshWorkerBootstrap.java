package io.rgrid.orchestrator.provider.hetzner;

import com.jcraft.jsch.Session;
import io.rgrid.orchestrator.config.RgridConfig;
import io.rgrid.orchestrator.dispatch.ray.RayAuth;
import io.rgrid.orchestrator.kafka.KafkaClients;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

import static io.rgrid.orchestrator.provider.hetzner.RemoteShell.exec;
import static io.rgrid.orchestrator.provider.hetzner.RemoteShell.expandPath;
import static io.rgrid.orchestrator.provider.hetzner.RemoteShell.millis;
import static io.rgrid.orchestrator.provider.hetzner.RemoteShell.parent;
import static io.rgrid.orchestrator.provider.hetzner.RemoteShell.quote;
import static io.rgrid.orchestrator.provider.hetzner.RemoteShell.step;

/**
 * The production {@link WorkerBootstrap}: SSH (jsch) with the key at HETZNER_SSH_KEY_PATH, in
 * steps that each have their own timeout (capped by the caller's budget) and fail with their name:
 * <ol>
 * <li>{@value #CONNECT}: TCP and SSH handshake, retried until the new server's sshd answers;
 * the host key is pinned on first contact ({@link HostKeyPins}); a changed key is refused at once
 * ({@value #HOST_KEY}), as is a refused login ({@value #AUTH}).</li>
 * <li>{@value #READY}: the ready command ({@code cloud-init status --wait}): Docker and Java are
 * installed.</li>
 * <li>{@value #REGISTRY}: only with registries configured ({@code rgrid.orchestrator.bootstrap.docker.*}):
 * they are merged into Docker's daemon.json, which is restarted when that changed it ({@link DockerRegistryStep}).</li>
 * <li>{@value #UPLOAD}: the worker-agent's quarkus-app directory as one tar.gz over SFTP, unpacked
 * into place.</li>
 * <li>{@value #CONFIGURE}: the agent's env file (id, token, address, Kafka; with Ray, Ray's token), sent on the
 * command's stdin (never on a command line), created 0600 and owned by the agent's user.</li>
 * <li>{@value #START}: the start command ({@code systemctl ... restart rgrid-worker}).</li>
 * </ol>
 * Waiting for the first heartbeat is the caller's. No credential is ever logged or put in an
 * exception message: only the env file's contents carry them.
 */
public final class SshWorkerBootstrap implements WorkerBootstrap {

    private static final Logger LOG = Logger.getLogger(SshWorkerBootstrap.class);

    public static final String CONNECT = "connect";
    public static final String HOST_KEY = "host-key";
    public static final String AUTH = "auth";
    public static final String READY = "ready";
    public static final String REGISTRY = "registry";
    public static final String UPLOAD = "upload";
    public static final String CONFIGURE = "configure";
    public static final String START = "start";

    /** Everything the bootstrap needs; {@link #from(RgridConfig)} reads it from the orchestrator's config. */
    public record Settings(Path sshKey, String sshUser, Path knownHosts, Path agentDistribution,
                           String remoteAgentDir, String remoteEnvFile, String agentUser, int agentPort,
                           boolean agentOnSshAddress,
                           String readyCommand, String startCommand, Map<String, String> kafkaEnv,
                           Path kafkaCaFile, Map<String, String> agentEnv, Duration connectTimeout,
                           Duration readyTimeout, Duration uploadTimeout, Duration configureTimeout,
                           Duration startTimeout) {

        public static Settings from(RgridConfig config) {
            RgridConfig.Bootstrap b = config.orchestrator().bootstrap();
            boolean onSsh = switch (b.agentAddress()) {
                case "private" -> false;
                case "ssh" -> true;
                default -> throw new IllegalArgumentException("rgrid.orchestrator.bootstrap.agent-address: '"
                        + b.agentAddress() + "' is neither 'private' nor 'ssh'");
            };
            return new Settings(config.orchestrator().hetzner().sshKeyPath(), b.sshUser(), b.knownHosts(),
                    b.agentDistribution(), b.remoteAgentDir(), b.remoteEnvFile(), b.agentUser(), b.agentPort(), onSsh,
                    b.readyCommand(),
                    b.startCommand(), KafkaClients.workerEnvironment(config.kafka(),
                            b.workerKafkaBootstrapServers().orElse(config.kafka().bootstrapServers())),
                    KafkaClients.workerCaToUpload(config.kafka()).orElse(null), agentEnv(b), b.connectTimeout(),
                    b.readyTimeout(), b.uploadTimeout(), b.configureTimeout(), b.startTimeout());
        }

        /**
         * The configured extra environment, plus, when the workers run Ray (cloud-init's Ray block:
         * {@code ray-head-address} set), Ray's token authentication as this orchestrator's driver has
         * it ({@link RayAuth#nodeEnvHere()}): the workers' {@code ray start} reads it from worker.env.
         */
        private static Map<String, String> agentEnv(RgridConfig.Bootstrap b) {
            Map<String, String> env = new LinkedHashMap<>(b.agentEnv());
            if (b.rayHeadAddress().filter(a -> !a.isBlank()).isPresent()) {
                env.putAll(RayAuth.nodeEnvHere());
            }
            return Map.copyOf(env);
        }

        @Override
        public String toString() {
            // Paths only: nothing secret goes to a log line.
            return "Settings[key " + sshKey + ", user " + sshUser + ", known_hosts " + knownHosts + ", agent "
                    + agentDistribution + " -> " + remoteAgentDir + ", env " + remoteEnvFile + "]";
        }
    }

    private final Settings settings;
    private final HostKeyPins pins;
    private final AgentArchive archive;
    private final DockerRegistryStep docker;
    private final SshSessions sessions;
    private final AgentUpload upload;
    private final WorkerEnvFile envFile;

    public SshWorkerBootstrap(RgridConfig config) {
        this(Settings.from(config), DockerRegistryStep.from(config.orchestrator().bootstrap().docker()));
    }

    public SshWorkerBootstrap(Settings settings) {
        this(settings, DockerRegistryStep.none());
    }

    SshWorkerBootstrap(Settings settings, DockerRegistryStep docker) {
        this.docker = Objects.requireNonNull(docker);
        this.settings = Objects.requireNonNull(settings);
        this.pins = new HostKeyPins(settings.knownHosts());
        this.archive = new AgentArchive(settings.agentDistribution());
        this.sessions = new SshSessions(settings, pins);
        this.upload = new AgentUpload(archive, settings.agentDistribution(), settings.remoteAgentDir());
        this.envFile = new WorkerEnvFile(settings);
    }

    public HostKeyPins pins() {
        return pins;
    }

    /** Packs the agent archive ahead (cached until the distribution changes); the upload reports any failure. */
    @Override
    public void prepare() {
        try {
            long start = System.nanoTime();
            archive.file();
            LOG.debugf("agent archive ready in %d ms", millis(System.nanoTime() - start));
        } catch (IOException | RuntimeException e) {
            LOG.debugf("agent archive not packed ahead (the upload step will say why): %s", e.getMessage());
        }
    }

    @Override
    public void bootstrap(Target target, Duration budget) throws BootstrapException {
        long start = System.nanoTime();
        long deadline = start + budget.toNanos();
        Session session = sessions.connect(target, deadline);
        try {
            long connected = System.nanoTime();
            LOG.infof("%s: ssh ready after %d ms", target.serverName(), millis(connected - start));
            exec(session, READY, expand(settings.readyCommand(), target), null,
                    step(settings.readyTimeout(), deadline), 0, 2);
            if (docker.apply(session, step(settings.configureTimeout(), deadline))) {
                LOG.infof("%s: Docker registries written to %s, Docker restarted", target.serverName(),
                        docker.daemonConfig());
            }
            long ready = System.nanoTime();
            upload.upload(session, target, step(settings.uploadTimeout(), deadline));
            long uploaded = System.nanoTime();
            configure(session, target, step(settings.configureTimeout(), deadline));
            exec(session, START, expand(settings.startCommand(), target), null,
                    step(settings.startTimeout(), deadline), 0);
            long started = System.nanoTime();
            LOG.infof("%s: bootstrapped in %d ms (connect %d, ready %d, upload %d, configure+start %d)",
                    target.serverName(), millis(started - start), millis(connected - start),
                    millis(ready - connected), millis(uploaded - ready), millis(started - uploaded));
        } finally {
            session.disconnect();
        }
    }

    // --- commands --------------------------------------------------------------------------------

    private String expand(String template, Target target) {
        return expandPath(template, target)
                .replace("{agent-dir}", expandPath(settings.remoteAgentDir(), target))
                .replace("{env-file}", expandPath(settings.remoteEnvFile(), target));
    }

    // --- configure -------------------------------------------------------------------------------

    private void configure(Session session, Target target, long deadline) throws BootstrapException {
        if (settings.kafkaCaFile() != null) {
            uploadKafkaCa(session, target, deadline);
        }
        byte[] env = envFile.envFile(target).getBytes(StandardCharsets.UTF_8);
        String file = quote(expandPath(settings.remoteEnvFile(), target));
        String tmp = quote(expandPath(settings.remoteEnvFile(), target) + ".tmp");
        String user = quote(settings.agentUser());
        exec(session, CONFIGURE, "set -e; umask 077; mkdir -p " + quote(parent(expandPath(settings.remoteEnvFile(), target)))
                + "; rm -f " + tmp + "; cat > " + tmp + "; chown " + user + " " + tmp + "; chmod 0600 " + tmp + "; mv -f "
                + tmp + " " + file, env, deadline, 0);
    }

    /**
     * The Kafka broker's CA (a certificate, no secret) next to the env file, readable by the agent,
     * for {@code RGRID_KAFKA_CA_FILE}.
     */
    private void uploadKafkaCa(Session session, Target target, long deadline) throws BootstrapException {
        byte[] ca;
        try {
            ca = Files.readAllBytes(settings.kafkaCaFile());
        } catch (IOException e) {
            throw new BootstrapException(CONFIGURE, "cannot read the Kafka CA " + settings.kafkaCaFile() + ": " + e.getMessage(), e);
        }
        String file = envFile.remoteKafkaCaFile(target);
        exec(session, CONFIGURE, "set -e; umask 022; mkdir -p " + quote(parent(file)) + "; rm -f " + quote(file + ".tmp")
                + "; cat > " + quote(file + ".tmp") + "; chmod 0644 " + quote(file + ".tmp") + "; mv -f " + quote(file + ".tmp")
                + " " + quote(file), ca, deadline, 0);
    }

    @Override
    public String agentAddress(Target target) {
        return envFile.agentAddress(target);
    }

    /** Kept for tests: the archive the upload step sends (built once per distribution change). */
    Path archive() throws IOException {
        return archive.file();
    }
}
