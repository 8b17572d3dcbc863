package io.rgrid.worker.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import io.rgrid.model.agent.ContainerLabels;
import org.jboss.logging.Logger;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The two things the runtime asks of the engine about containers it no longer follows, in one
 * place for the run's containers ({@link DockerRuntime}) and the waiting ones ({@link WarmPool}):
 * list a worker's, and remove one for good.
 */
final class EngineContainers {

    private static final Logger LOG = Logger.getLogger(EngineContainers.class);

    private EngineContainers() {
    }

    /**
     * Every container of {@code workerId}, running or not, that also carries {@code labels}
     * (e.g. only the waiting ones).
     */
    static List<Container> ofWorker(DockerClient docker, String workerId, Map<String, String> labels) {
        Map<String, String> filter = new HashMap<>(labels);
        filter.put(ContainerLabels.WORKER_ID, workerId);
        return docker.listContainersCmd().withShowAll(true).withLabelFilter(filter).exec();
    }

    /**
     * Removes the container with its anonymous volumes, running or not. One already gone is no
     * error; any other failure is logged with {@code what} and left (a later sweep of the worker's
     * labels finds it).
     */
    static void remove(DockerClient docker, String containerId, String what) {
        try {
            docker.removeContainerCmd(containerId).withForce(true).withRemoveVolumes(true).exec();
        } catch (NotFoundException e) {
            // gone already
        } catch (RuntimeException e) {
            LOG.warnf("Could not remove %s: %s", what, e.getMessage());
        }
    }
}
