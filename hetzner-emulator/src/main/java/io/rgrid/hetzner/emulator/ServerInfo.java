package io.rgrid.hetzner.emulator;

import java.util.List;
import java.util.Map;

/**
 * An immutable snapshot of an emulated server for {@link ServerLifecycleListener}s and test assertions.
 *
 * @param publicIpv4 null when the server was created with {@code public_net.enable_ipv4: false}
 * @param userData the cloud-init user data given at creation (null when none): what a real server would run at boot
 */
public record ServerInfo(long id, String name, String status, String serverType, String location,
                         Map<String, String> labels, String publicIpv4, List<String> privateIps, List<Long> sshKeyIds,
                         String userData) {
}
