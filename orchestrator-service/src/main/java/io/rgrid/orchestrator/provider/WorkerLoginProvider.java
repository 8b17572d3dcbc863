package io.rgrid.orchestrator.provider;

import io.rgrid.model.event.MachineType;
import io.rgrid.orchestrator.kafka.WorkerLogin;
import io.rgrid.orchestrator.kafka.WorkerLogins;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A provider whose workers each get their own Kafka login ({@link WorkerLogins}): issued before
 * the wrapped provider creates the worker (its agent starts with it), revoked once the provider
 * deleted it, whoever asked (the autoscaler, the health monitor for a lost worker, the
 * reconciliation). A revocation the broker did not take is tried again at each later
 * {@link #terminate} and {@link #list} (the reconciliation lists every pass). Static agents are
 * not provisioned and keep the login their operator configured.
 */
public final class WorkerLoginProvider implements CloudProvider {

    private static final Logger LOG = Logger.getLogger(WorkerLoginProvider.class);

    private final CloudProvider delegate;
    private final WorkerLogins logins;
    private final Set<String> unrevoked = ConcurrentHashMap.newKeySet();

    public WorkerLoginProvider(CloudProvider delegate, WorkerLogins logins) {
        this.delegate = delegate;
        this.logins = logins;
    }

    @Override
    public ProvisionedServer provision(ProvisionRequest request) throws ProvisioningException {
        Optional<WorkerLogin> login;
        try {
            login = logins.issue(request.workerId());
        } catch (IllegalStateException e) {
            revoke(request.workerId());
            throw new ProvisioningException(e.getMessage() + ": is Kafka up, and rgrid.kafka.username a super user?", e);
        }
        try {
            return delegate.provision(request.withKafkaLogin(login.orElse(null)));
        } catch (ProvisioningException | RuntimeException e) {
            revoke(request.workerId());
            throw e;
        }
    }

    @Override
    public boolean bootsHere(String workerId) {
        return delegate.bootsHere(workerId);
    }

    /**
     * Issues the worker's login again (a new password: the one the dead orchestrator gave out is
     * in no memory) and resumes the boot with it; the bootstrap writes it into the agent's env file.
     */
    @Override
    public boolean resumeBoot(ProvisionRequest request, String address) {
        Optional<WorkerLogin> login;
        try {
            login = logins.issue(request.workerId());
        } catch (IllegalStateException e) {
            LOG.errorf("worker %s: cannot issue its Kafka login again to resume its boot (%s); tried again at the "
                    + "next reconciliation", request.workerId(), e.getMessage());
            return false;
        }
        return delegate.resumeBoot(request.withKafkaLogin(login.orElse(null)), address);
    }

    @Override
    public Optional<Instant> terminate(String workerId) {
        Optional<Instant> deleted = delegate.terminate(workerId);
        revoke(workerId);
        retryUnrevoked();
        return deleted;
    }

    @Override
    public List<ProvisionedServer> list() {
        retryUnrevoked();
        return delegate.list();
    }

    private void revoke(String workerId) {
        try {
            logins.revoke(workerId);
            unrevoked.remove(workerId);
        } catch (RuntimeException e) {
            unrevoked.add(workerId);
            LOG.errorf("worker %s: %s; tried again at the next reconciliation", workerId, e.getMessage());
        }
    }

    private void retryUnrevoked() {
        for (String workerId : List.copyOf(unrevoked)) {
            revoke(workerId);
        }
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public boolean scalable() {
        return delegate.scalable();
    }

    @Override
    public ServerOffer offer() {
        return delegate.offer();
    }

    @Override
    public List<MachineType> machineTypes() {
        return delegate.machineTypes();
    }

    @Override
    public ServerOffer offer(MachineType type) {
        return delegate.offer(type);
    }

    @Override
    public List<ConfiguredWorker> configuredWorkers() {
        return delegate.configuredWorkers();
    }

    @Override
    public boolean workersEndWithOrchestrator() {
        return delegate.workersEndWithOrchestrator();
    }

    @Override
    public void stopLeftovers(String workerId) {
        delegate.stopLeftovers(workerId);
    }

    @Override
    public boolean deletionRunning(String workerId, String providerHandle) {
        return delegate.deletionRunning(workerId, providerHandle);
    }

    @Override
    public void takeOver() {
        delegate.takeOver();
    }

    @Override
    public void closeKeepingWorkers() {
        delegate.closeKeepingWorkers();
    }

    @Override
    public void close() {
        delegate.close();
    }

    /** The provider {@code provider} wraps, or itself when it wraps none. */
    public static CloudProvider unwrap(CloudProvider provider) {
        return provider instanceof WorkerLoginProvider wrapper ? wrapper.delegate : provider;
    }

    @Override
    public String toString() {
        return delegate.toString();
    }
}
