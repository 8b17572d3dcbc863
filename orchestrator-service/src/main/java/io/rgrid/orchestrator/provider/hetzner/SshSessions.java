package io.rgrid.orchestrator.provider.hetzner;

import com.jcraft.jsch.JSch;
import com.jcraft.jsch.JSchChangedHostKeyException;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.Session;
import io.rgrid.orchestrator.provider.hetzner.WorkerBootstrap.BootstrapException;
import io.rgrid.orchestrator.provider.hetzner.WorkerBootstrap.Target;
import org.jboss.logging.Logger;

import java.time.Duration;

import static io.rgrid.orchestrator.provider.hetzner.RemoteShell.millis;
import static io.rgrid.orchestrator.provider.hetzner.RemoteShell.step;
import static io.rgrid.orchestrator.provider.hetzner.SshWorkerBootstrap.AUTH;
import static io.rgrid.orchestrator.provider.hetzner.SshWorkerBootstrap.CONNECT;
import static io.rgrid.orchestrator.provider.hetzner.SshWorkerBootstrap.HOST_KEY;

/**
 * The bootstrap's {@value SshWorkerBootstrap#CONNECT} step: an SSH session with a new server,
 * retried every 2 s until its sshd answers, within {@code connect-timeout}; the host key pinned on
 * first contact ({@link HostKeyPins}), a changed one refused at once
 * ({@value SshWorkerBootstrap#HOST_KEY}), as is a refused login ({@value SshWorkerBootstrap#AUTH}).
 */
final class SshSessions {

    private static final Logger LOG = Logger.getLogger(SshSessions.class);
    private static final Duration RETRY_PAUSE = Duration.ofSeconds(2);

    private final SshWorkerBootstrap.Settings settings;
    private final HostKeyPins pins;

    SshSessions(SshWorkerBootstrap.Settings settings, HostKeyPins pins) {
        this.settings = settings;
        this.pins = pins;
    }

    Session connect(Target target, long budgetDeadline) throws BootstrapException {
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
}
