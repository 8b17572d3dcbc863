package io.rgrid.orchestrator.provider.hetzner;

import com.jcraft.jsch.ChannelExec;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.Session;
import io.rgrid.orchestrator.provider.hetzner.WorkerBootstrap.BootstrapException;
import io.rgrid.orchestrator.provider.hetzner.WorkerBootstrap.Target;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Commands on a worker over an SSH session, for the bootstrap's steps: run one with a deadline
 * (its output kept up to 4 KiB, a failure named by its step), quote words for sh, expand the
 * {@code {worker-id}}/{@code {server-name}} placeholders of remote paths, cut a step's timeout to the budget.
 */
final class RemoteShell {

    private static final int OUTPUT_LIMIT = 4096;

    private RemoteShell() {
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

    static String parent(String path) {
        int slash = path.lastIndexOf('/');
        return slash <= 0 ? "/" : path.substring(0, slash);
    }

    /** Single-quotes a word for sh. */
    static String quote(String word) {
        return "'" + word.replace("'", "'\\''") + "'";
    }

    static String expandPath(String template, Target target) {
        return template.replace("{worker-id}", target.workerId()).replace("{server-name}", target.serverName());
    }

    /** The step's own timeout, cut to what is left of the budget. */
    static long step(Duration timeout, long deadline) {
        return Math.min(System.nanoTime() + timeout.toNanos(), deadline);
    }

    static long millis(long nanos) {
        return nanos / 1_000_000;
    }
}
