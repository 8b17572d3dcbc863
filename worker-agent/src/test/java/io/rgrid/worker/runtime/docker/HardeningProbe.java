package io.rgrid.worker.runtime.docker;

/**
 * The hardening every script container has, as the script inside sees it: the one probe the cold
 * ({@link DockerRuntimeTest}) and the warm ({@link WarmContainersTest}) containers are checked
 * with, so the two cannot drift apart. A test appends its own lines to {@link #SCRIPT} and
 * expects {@link #EXPECTED} followed by theirs.
 */
final class HardeningProbe {

    /** Python: uid and gid, the root file system, the effective capabilities, no-new-privileges. */
    static final String SCRIPT = """
            import os
            print('uid', os.getuid(), os.getgid())
            try:
                open('/etc/rgrid-test', 'w')
                print('root fs writable')
            except OSError:
                print('root fs read-only')
            print('caps', open('/proc/self/status').read().split('CapEff:')[1].split()[0])
            print('nnp', open('/proc/self/status').read().split('NoNewPrivs:')[1].split()[0])
            """;

    /** What {@link #SCRIPT} prints in a hardened container: nobody, read-only root, no capabilities, nnp set. */
    static final String EXPECTED = """
            uid 65534 65534
            root fs read-only
            caps 0000000000000000
            nnp 1
            """;

    private HardeningProbe() {
    }
}
