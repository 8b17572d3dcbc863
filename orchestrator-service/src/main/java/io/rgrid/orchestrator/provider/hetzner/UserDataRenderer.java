package io.rgrid.orchestrator.provider.hetzner;

import io.rgrid.orchestrator.provider.ProvisioningException;

/**
 * The cloud-init user data a new server boots with. The provider uses a CDI bean of this type
 * when one exists (the renderer of {@code deploy/cloud-init/worker.yaml} that comes with the SSH
 * bootstrap), otherwise {@link TemplateUserData} on {@code rgrid.orchestrator.hetzner.cloud-init-template}.
 * The result must hold no secret: Hetzner stores user data and shows it to anyone with project access.
 */
@FunctionalInterface
public interface UserDataRenderer {

    /** User data for the server of {@code workerId}, created as {@code serverType} in {@code location}. */
    String render(String workerId, String serverType, String location) throws ProvisioningException;
}
