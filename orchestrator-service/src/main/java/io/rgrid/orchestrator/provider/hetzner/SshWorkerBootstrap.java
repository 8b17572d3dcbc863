package io.rgrid.orchestrator.provider.hetzner;

import com.jcraft.jsch.ChannelExec;
import com.jcraft.jsch.ChannelSftp;
import com.jcraft.jsch.JSch;
import com.jcraft.jsch.JSchChangedHostKeyException;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.Session;
import com.jcraft.jsch.SftpException;
import com.jcraft.jsch.SftpProgressMonitor;
import io.rgrid.orchestrator.config.RgridConfig;
import io.rgrid.orchestrator.dispatch.ray.RayAuth;
import org.jboss.logging.Logger;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

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

    private static final Duration RETRY_PAUSE = Duration.ofSeconds(2);
    private static final int OUTPUT_LIMIT = 4096;

    /** Everything the bootstrap needs; {@link #from(RgridConfig)} reads it from the orchestrator's config. */
    public record Settings(Path sshKey, String sshUser, Path knownHosts, Path agentDistribution,
                           String remoteAgentDir, String remoteEnvFile, String agentUser, int agentPort,
                           boolean agentOnSshAddress,
                           String readyCommand, String startCommand, String kafkaBootstrapServers,
                           String kafkaTopicPrefix, Map<String, String> agentEnv, Duration connectTimeout,
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
                    b.startCommand(), b.workerKafkaBootstrapServers().orElse(config.kafka().bootstrapServers()),
                    config.kafka().topicPrefix().orElse(""), agentEnv(b), b.connectTimeout(),
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
    }

    public HostKeyPins pins() {
        return pins;
    }

    @Override
    public void bootstrap(Target target, Duration budget) throws BootstrapException {
        long start = System.nanoTime();
        long deadline = start + budget.toNanos();
        Session session = connect(target, deadline);
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
            upload(session, target, step(settings.uploadTimeout(), deadline));
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

    private static long millis(long nanos) {
        return nanos / 1_000_000;
    }

    /** The step's own timeout, cut to what is left of the budget. */
    private static long step(Duration timeout, long deadline) {
        return Math.min(System.nanoTime() + timeout.toNanos(), deadline);
    }

    // --- connect ---------------------------------------------------------------------------------

    private Session connect(Target target, long budgetDeadline) throws BootstrapException {
        long begin = System.nanoTime();
        long deadline = step(settings.connectTimeout(), budgetDeadline);
        JSch jsch = new JSch();
        try {
            jsch.addIdentity(settings.sshKey().toString());
        } catch (JSchException e) {
            throw new BootstrapException(AUTH, "cannot load the SSH key " + settings.sshKey() + " (HETZNER_SSH_KEY_PATH): "
                    + e.getMessage(), e);
        }
        int attempts = 0;
        Exception last = null;
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new BootstrapException(CONNECT, "no SSH session with " + target.serverName() + " at "
                        + target.sshHost() + ":" + target.sshPort() + " within " + millis(deadline - begin) + " ms ("
                        + attempts + " attempts; last: " + (last == null ? "none" : last.getMessage()) + ")", last);
            }
            attempts++;
            Session session = null;
            try {
                session = jsch.getSession(settings.sshUser(), target.sshHost(), target.sshPort());
                session.setHostKeyRepository(pins.forServer(target.serverId(), target.serverName(), target.sshHost(),
                        target.sshPort()));
                session.setConfig("StrictHostKeyChecking", "yes");
                session.setConfig("PreferredAuthentications", "publickey");
                session.setServerAliveInterval(15_000);
                session.connect((int) Math.max(1000, Math.min(left / 1_000_000, 15_000)));
                return session;
            } catch (JSchChangedHostKeyException e) {
                disconnect(session);
                throw new BootstrapException(HOST_KEY, target.serverName() + " (server " + target.serverId() + ", "
                        + target.sshHost() + ":" + target.sshPort() + ") presented a host key different from the one "
                        + "pinned in " + pins.file() + " at first contact: refusing to connect (a man in the middle, "
                        + "or the server was rebuilt; delete its line there only if you know why)", null);
            } catch (JSchException e) {
                disconnect(session);
                last = e;
                if (isAuthFailure(e)) {
                    throw new BootstrapException(AUTH, "login as " + settings.sshUser() + " at " + target.sshHost()
                            + ":" + target.sshPort() + " refused the key " + settings.sshKey()
                            + " (is its public key registered with Hetzner and given at server create?)", null);
                }
                LOG.debugf("%s: ssh attempt %d: %s", target.serverName(), attempts, e.getMessage());
            }
            long pause = Math.min(RETRY_PAUSE.toNanos(), deadline - System.nanoTime());
            if (pause > 0) {
                try {
                    Thread.sleep(Duration.ofNanos(pause));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new BootstrapException(CONNECT, "interrupted", e);
                }
            }
        }
    }

    private static boolean isAuthFailure(JSchException e) {
        String m = String.valueOf(e.getMessage());
        return m.contains("Auth fail") || m.contains("Auth cancel");
    }

    private static void disconnect(Session session) {
        if (session != null) {
            session.disconnect();
        }
    }

    // --- commands --------------------------------------------------------------------------------

    private String expand(String template, Target target) {
        return expandPath(template, target)
                .replace("{agent-dir}", expandPath(settings.remoteAgentDir(), target))
                .replace("{env-file}", expandPath(settings.remoteEnvFile(), target));
    }

    private static String expandPath(String template, Target target) {
        return template.replace("{worker-id}", target.workerId()).replace("{server-name}", target.serverName());
    }

    /** Runs a command; its stdin is {@code input} when given. Fails unless it exits with one of {@code okStatus}. */
    static String exec(Session session, String step, String command, byte[] input, long deadline,
                               int... okStatus) throws BootstrapException {
        ChannelExec channel = null;
        try {
            channel = (ChannelExec) session.openChannel("exec");
            channel.setCommand(command);
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            channel.setErrStream(err, true);
            InputStream out = channel.getInputStream();
            OutputStream stdin = channel.getOutputStream();
            channel.connect((int) Math.max(1000, Math.min((deadline - System.nanoTime()) / 1_000_000, 30_000)));
            if (input != null) {
                stdin.write(input);
            }
            stdin.close();
            ByteArrayOutputStream collected = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            while (true) {
                while (out.available() > 0) {
                    int n = out.read(buf);
                    if (n < 0) {
                        break;
                    }
                    if (collected.size() < OUTPUT_LIMIT) {
                        collected.write(buf, 0, Math.min(n, OUTPUT_LIMIT - collected.size()));
                    }
                }
                if (channel.isClosed() && out.available() <= 0) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    throw new BootstrapException(step, "'" + command + "' did not finish in time", null);
                }
                Thread.sleep(50);
            }
            int status = channel.getExitStatus();
            String output = (collected.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8)).strip();
            for (int ok : okStatus) {
                if (status == ok) {
                    return output;
                }
            }
            throw new BootstrapException(step, "'" + command + "' exited with " + status
                    + (output.isEmpty() ? "" : ": " + abbreviate(output)), null);
        } catch (JSchException | IOException e) {
            throw new BootstrapException(step, "'" + command + "' failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BootstrapException(step, "interrupted", e);
        } finally {
            if (channel != null) {
                channel.disconnect();
            }
        }
    }

    private static String abbreviate(String text) {
        return text.length() <= 800 ? text : "..." + text.substring(text.length() - 800);
    }

    // --- upload ----------------------------------------------------------------------------------

    private void upload(Session session, Target target, long deadline) throws BootstrapException {
        Path local;
        try {
            local = archive.file();
        } catch (IOException e) {
            throw new BootstrapException(UPLOAD, "cannot pack the worker-agent distribution " + settings.agentDistribution()
                    + ": " + e.getMessage(), e);
        }
        String dir = expandPath(settings.remoteAgentDir(), target);
        String remoteArchive = dir + ".upload.tar.gz";
        exec(session, UPLOAD, "mkdir -p " + quote(parent(dir)), null, deadline, 0);
        ChannelSftp sftp = null;
        try {
            sftp = (ChannelSftp) session.openChannel("sftp");
            sftp.connect((int) Math.max(1000, Math.min((deadline - System.nanoTime()) / 1_000_000, 30_000)));
            sftp.put(local.toString(), remoteArchive, new SftpProgressMonitor() {
                @Override
                public void init(int op, String src, String dest, long max) {
                }

                @Override
                public boolean count(long count) {
                    return System.nanoTime() < deadline; // false cancels the transfer
                }

                @Override
                public void end() {
                }
            }, ChannelSftp.OVERWRITE);
        } catch (JSchException | SftpException e) {
            throw new BootstrapException(UPLOAD, "SFTP of " + local.getFileName() + " to " + remoteArchive + " failed"
                    + (System.nanoTime() >= deadline ? " (timed out)" : "") + ": " + e.getMessage(), e);
        } finally {
            if (sftp != null) {
                sftp.disconnect();
            }
        }
        if (System.nanoTime() >= deadline) {
            throw new BootstrapException(UPLOAD, "SFTP of " + local.getFileName() + " did not finish in time", null);
        }
        String d = quote(dir);
        String a = quote(remoteArchive);
        // Unpacked beside the old copy and swapped in, so a half-written tree never runs.
        exec(session, UPLOAD, "set -e; rm -rf " + d + ".new; mkdir -p " + d + ".new; tar -xzf " + a + " -C " + d
                + ".new; rm -rf " + d + ".old; if [ -e " + d + " ]; then mv " + d + " " + d + ".old; fi; mv " + d + ".new "
                + d + "; rm -rf " + d + ".old " + a, null, deadline, 0);
    }

    private static String parent(String path) {
        int slash = path.lastIndexOf('/');
        return slash <= 0 ? "/" : path.substring(0, slash);
    }

    /** Single-quotes a word for sh. */
    static String quote(String word) {
        return "'" + word.replace("'", "'\\''") + "'";
    }

    // --- configure -------------------------------------------------------------------------------

    private void configure(Session session, Target target, long deadline) throws BootstrapException {
        byte[] env = envFile(target).getBytes(StandardCharsets.UTF_8);
        String file = quote(expandPath(settings.remoteEnvFile(), target));
        String tmp = quote(expandPath(settings.remoteEnvFile(), target) + ".tmp");
        String user = quote(settings.agentUser());
        exec(session, CONFIGURE, "set -e; umask 077; mkdir -p " + quote(parent(expandPath(settings.remoteEnvFile(), target)))
                + "; rm -f " + tmp + "; cat > " + tmp + "; chown " + user + " " + tmp + "; chmod 0600 " + tmp + "; mv -f "
                + tmp + " " + file, env, deadline, 0);
    }

    /**
     * The agent's environment file (systemd EnvironmentFile and sh both read it): single-quoted
     * values, so nothing is expanded. Package-private for the test that checks its keys.
     */
    String envFile(Target target) throws BootstrapException {
        boolean hasPrivate = target.privateIp() != null && !target.privateIp().isBlank();
        if (!settings.agentOnSshAddress() && !hasPrivate) {
            throw new BootstrapException(CONFIGURE, target.serverName() + " has no private network address for its "
                    + "agent (rgrid.orchestrator.bootstrap.agent-address=private)", null);
        }
        String host = settings.agentOnSshAddress() ? target.sshHost() : target.privateIp();
        Map<String, String> env = new LinkedHashMap<>();
        env.put("RGRID_WORKER_ID", target.workerId());
        env.put("RGRID_WORKER_TOKEN", target.token());
        env.put("RGRID_WORKER_ADVERTISED_ADDRESS", "http://" + host + ":" + settings.agentPort());
        env.put("QUARKUS_HTTP_HOST", host);
        env.put("QUARKUS_HTTP_PORT", Integer.toString(settings.agentPort()));
        env.put("RGRID_KAFKA_BOOTSTRAP_SERVERS", settings.kafkaBootstrapServers());
        env.put("RGRID_KAFKA_TOPIC_PREFIX", settings.kafkaTopicPrefix());
        if (target.size() != null) {
            // The type's nominal size, not what the kernel reports (a little less memory): the
            // autoscaler chose the type for an execution of up to exactly this size.
            env.put("RGRID_WORKER_CPUS", Double.toString(target.size().cpus()));
            env.put("RGRID_WORKER_MEMORY_MB", Integer.toString(target.size().memoryMb()));
        }
        env.putAll(settings.agentEnv());
        StringBuilder sb = new StringBuilder("# Written by the orchestrator's SSH bootstrap; mode 0600.\n");
        for (Map.Entry<String, String> e : env.entrySet()) {
            String value = e.getValue() == null ? "" : e.getValue();
            if (!e.getKey().matches("[A-Z_][A-Z0-9_]*")) {
                throw new BootstrapException(CONFIGURE, "not an environment variable name: '" + e.getKey() + "'", null);
            }
            if (value.contains("'") || value.contains("\n") || value.contains("\\")) {
                // Named, never shown: the value may be a credential.
                throw new BootstrapException(CONFIGURE, "the value of " + e.getKey()
                        + " contains a quote, backslash or newline, which the env file cannot carry", null);
            }
            sb.append(e.getKey()).append("='").append(value).append("'\n");
        }
        return sb.toString();
    }

    /** Kept for tests: the archive the upload step sends (built once per distribution change). */
    Path archive() throws IOException {
        return archive.file();
    }
}
