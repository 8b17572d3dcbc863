package io.rgrid.orchestrator.provider.hetzner;

import io.rgrid.orchestrator.config.RgridConfig;
import io.rgrid.orchestrator.provider.ProvisioningException;
import io.rgrid.orchestrator.provider.hetzner.api.ApiModel;
import io.rgrid.orchestrator.provider.hetzner.api.HetznerApiException;
import io.rgrid.orchestrator.provider.hetzner.api.HetznerCloud;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The Hetzner project's SSH key, private network and firewall every worker gets, found by name
 * and created when missing (labelled {@code managed-by=rgrid}); looked up once, on the first
 * provisioning. A concurrent creation (or the same key under another name) is taken, not fought.
 */
final class ProjectResources {

    private static final Logger LOG = Logger.getLogger(ProjectResources.class);

    /** The ids of the project's SSH key, network and firewall the workers use. */
    record Infrastructure(long sshKeyId, long networkId, long firewallId) {
    }

    private final RgridConfig.Hetzner settings;
    private final HetznerCloud cloud;

    private volatile Infrastructure infrastructure;

    ProjectResources(RgridConfig.Hetzner settings, HetznerCloud cloud) {
        this.settings = settings;
        this.cloud = cloud;
    }

    /**
     * The project's SSH key, network and firewall for workers, created when missing; looked up once.
     *
     * @throws HetznerApiException    when Hetzner refuses a look-up or a creation
     * @throws ProvisioningException when the worker key pair is missing or differs from the registered key
     */
    synchronized Infrastructure infrastructure() throws ProvisioningException {
        if (infrastructure != null) {
            return infrastructure;
        }
        long key = sshKey();
        long network = network();
        long firewall = firewall();
        infrastructure = new Infrastructure(key, network, firewall);
        return infrastructure;
    }

    private long sshKey() throws ProvisioningException {
        Path pub = Path.of(settings.sshKeyPath() + ".pub");
        String publicKey;
        try {
            publicKey = Files.readString(pub, StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw new ProvisioningException("no public key at " + pub.toAbsolutePath() + " (" + e.getClass()
                    .getSimpleName() + "): create the worker key pair (ssh-keygen -t ed25519 -f "
                    + settings.sshKeyPath() + ") or point HETZNER_SSH_KEY_PATH at the private key", e);
        }
        String[] fields = publicKey.split("\\s+");
        if (fields.length < 2) {
            throw new ProvisioningException(pub + " is not an OpenSSH public key");
        }
        String material = fields[0] + " " + fields[1];
        Optional<ApiModel.SshKey> named = cloud.sshKeyNamed(settings.sshKeyName());
        if (named.isPresent()) {
            if (!named.get().publicKey().trim().startsWith(material)) {
                throw new ProvisioningException("the SSH key '" + settings.sshKeyName() + "' of the Hetzner project "
                        + "is not " + pub + ": delete it there, or set rgrid.orchestrator.hetzner.ssh-key-name to "
                        + "another name to register this one");
            }
            return named.get().id();
        }
        try {
            ApiModel.SshKey created = cloud.createSshKey(new ApiModel.CreateSshKeyRequest(settings.sshKeyName(),
                    material, ServerLabels.managed()));
            LOG.infof("registered %s as SSH key '%s' (%d) with Hetzner", pub, settings.sshKeyName(), created.id());
            return created.id();
        } catch (HetznerApiException e) {
            if (!e.is("uniqueness_error")) {
                throw e;
            }
            // The same key under another name (or a concurrent registration): use that one.
            String fingerprint = md5Fingerprint(fields[1]);
            return cloud.sshKeyWithFingerprint(fingerprint).or(() -> cloud.sshKeyNamed(settings.sshKeyName()))
                    .map(ApiModel.SshKey::id)
                    .orElseThrow(() -> e);
        }
    }

    /** Hetzner's fingerprint form: MD5 of the key blob, hex pairs joined by ':'. */
    static String md5Fingerprint(String base64Blob) {
        try {
            byte[] digest = MessageDigest.getInstance("MD5").digest(Base64.getDecoder().decode(base64Blob));
            return HexFormat.ofDelimiter(":").formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private long network() {
        Optional<ApiModel.Network> existing = cloud.networkNamed(settings.networkName());
        if (existing.isPresent()) {
            return existing.get().id();
        }
        try {
            ApiModel.Network created = cloud.createNetwork(new ApiModel.CreateNetworkRequest(settings.networkName(),
                    settings.networkIpRange(), List.of(new ApiModel.Subnet("cloud", settings.subnetIpRange(),
                    settings.networkZone())), ServerLabels.managed()));
            LOG.infof("created Hetzner network '%s' (%d, %s): attach the control plane to it", settings.networkName(),
                    created.id(), settings.networkIpRange());
            return created.id();
        } catch (HetznerApiException e) {
            if (e.is("uniqueness_error")) {
                return cloud.networkNamed(settings.networkName()).map(ApiModel.Network::id).orElseThrow(() -> e);
            }
            throw e;
        }
    }

    private long firewall() {
        Optional<ApiModel.Firewall> existing = cloud.firewallNamed(settings.firewallName());
        if (existing.isPresent()) {
            for (ApiModel.FirewallRule rule : existing.get().rules() == null ? List.<ApiModel.FirewallRule>of()
                    : existing.get().rules()) {
                if ("in".equals(rule.direction()) && !"22".equals(rule.port())) {
                    LOG.warnf("Hetzner firewall '%s' opens %s %s to %s: workers should expose nothing publicly but SSH",
                            settings.firewallName(), rule.protocol(), rule.port(), rule.sourceIps());
                }
            }
            return existing.get().id();
        }
        List<ApiModel.FirewallRule> rules = new ArrayList<>();
        List<String> sources = settings.sshSourceIps().orElse(List.of());
        if (!sources.isEmpty()) {
            rules.add(new ApiModel.FirewallRule("SSH from the RGrid control plane", "in", "tcp", "22", sources, null));
        }
        try {
            ApiModel.Firewall created = cloud.createFirewall(new ApiModel.CreateFirewallRequest(settings.firewallName(),
                    rules, ServerLabels.managed()));
            LOG.infof("created Hetzner firewall '%s' (%d): inbound %s", settings.firewallName(), created.id(),
                    sources.isEmpty() ? "nothing" : "SSH from " + sources);
            return created.id();
        } catch (HetznerApiException e) {
            if (e.is("uniqueness_error")) {
                return cloud.firewallNamed(settings.firewallName()).map(ApiModel.Firewall::id).orElseThrow(() -> e);
            }
            throw e;
        }
    }
}
