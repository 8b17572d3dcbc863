package io.rgrid.orchestrator.provider.hetzner;

import com.jcraft.jsch.ChannelSftp;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.Session;
import com.jcraft.jsch.SftpException;
import com.jcraft.jsch.SftpProgressMonitor;
import io.rgrid.orchestrator.provider.hetzner.WorkerBootstrap.BootstrapException;
import io.rgrid.orchestrator.provider.hetzner.WorkerBootstrap.Target;

import java.io.IOException;
import java.nio.file.Path;

import static io.rgrid.orchestrator.provider.hetzner.RemoteShell.exec;
import static io.rgrid.orchestrator.provider.hetzner.RemoteShell.expandPath;
import static io.rgrid.orchestrator.provider.hetzner.RemoteShell.parent;
import static io.rgrid.orchestrator.provider.hetzner.RemoteShell.quote;
import static io.rgrid.orchestrator.provider.hetzner.SshWorkerBootstrap.UPLOAD;

/**
 * The bootstrap's {@value SshWorkerBootstrap#UPLOAD} step: the worker-agent's quarkus-app
 * directory as one tar.gz ({@link AgentArchive}) over SFTP, unpacked beside the old copy and
 * swapped in, so a half-written tree never runs.
 */
final class AgentUpload {

    private final AgentArchive archive;
    private final Path agentDistribution;
    private final String remoteAgentDir;

    AgentUpload(AgentArchive archive, Path agentDistribution, String remoteAgentDir) {
        this.archive = archive;
        this.agentDistribution = agentDistribution;
        this.remoteAgentDir = remoteAgentDir;
    }

    void upload(Session session, Target target, long deadline) throws BootstrapException {
        Path local;
        try {
            local = archive.file();
        } catch (IOException e) {
            throw new BootstrapException(UPLOAD, "cannot pack the worker-agent distribution " + agentDistribution
                    + ": " + e.getMessage(), e);
        }
        String dir = expandPath(remoteAgentDir, target);
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
}
