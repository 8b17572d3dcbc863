package io.rgrid.platform.kafkaidentity;

import io.rgrid.model.KafkaPrincipals;
import io.rgrid.model.Topics;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

import java.util.List;

/** What a worker's principal may do on a deployment's topics: write three of them, nothing else. */
public final class WorkerAcls {

    private WorkerAcls() {
    }

    /**
     * ALLOW {@link KafkaPrincipals#WORKER} WRITE (which implies DESCRIBE, and idempotent producing)
     * on each of {@link KafkaPrincipals#WORKER_WRITES} under {@code prefix}, from any host. Creating
     * a binding that exists changes nothing, so the control plane creates them at every start.
     */
    public static List<AclBinding> of(String prefix) {
        return of(prefix, KafkaPrincipals.WORKER);
    }

    /**
     * The same for the SCRAM user {@code username}: a provisioned worker's own principal
     * ({@link KafkaPrincipals#provisionedWorker}), granted when it is created and deleted with it.
     */
    public static List<AclBinding> of(String prefix, String username) {
        return KafkaPrincipals.WORKER_WRITES.stream()
                .map(topic -> new AclBinding(
                        new ResourcePattern(ResourceType.TOPIC, Topics.named(prefix, topic), PatternType.LITERAL),
                        new AccessControlEntry(KafkaPrincipals.user(username), "*", AclOperation.WRITE,
                                AclPermissionType.ALLOW)))
                .toList();
    }
}
