package io.rgrid.worker.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.PullImageResultCallback;
import com.github.dockerjava.api.exception.NotFoundException;
import io.rgrid.model.FailureReason;
import io.rgrid.worker.runtime.RunFailedException;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The images of this host: an image seen before is not checked again (one engine call less per
 * run); a missing one is pulled, its latest tag when it names none, within the pull deadline.
 */
final class DockerImages {

    private static final Logger LOG = Logger.getLogger(DockerImages.class);

    private final DockerClient docker;
    private final Duration pullTimeout;
    /** Images found on this host before; see {@link DockerRuntime}'s create. */
    private final Set<String> knownImages = ConcurrentHashMap.newKeySet();

    DockerImages(DockerClient docker, Duration pullTimeout) {
        this.docker = docker;
        this.pullTimeout = pullTimeout;
    }

    /** Forgets an image that turned out gone; @return whether it was known. */
    boolean forget(String image) {
        return knownImages.remove(image);
    }

    /** Makes sure the image is on this host: known before, found, or pulled within the deadline. */
    void ensure(String image) throws RunFailedException, InterruptedException {
        if (knownImages.contains(image)) {
            return; // DockerRuntime.createEnsuringImage checks again should it have gone
        }
        try {
            docker.inspectImageCmd(image).exec();
            knownImages.add(image);
            return;
        } catch (NotFoundException e) {
            LOG.infof("Image %s is not on this host; pulling it (deadline %s)", image, pullTimeout);
        }
        var pull = docker.pullImageCmd(image);
        if (!hasTagOrDigest(image)) {
            pull.withTag("latest"); // without a tag the engine would pull every tag of the repository
        }
        PullImageResultCallback callback = pull.exec(new PullImageResultCallback());
        try {
            if (!callback.awaitCompletion(pullTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new RunFailedException(FailureReason.IMAGE_PULL_FAILED,
                        "image " + image + " was not pulled within " + pullTimeout, null);
            }
            docker.inspectImageCmd(image).exec();
            knownImages.add(image);
        } catch (RunFailedException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new RunFailedException(FailureReason.IMAGE_PULL_FAILED,
                    "image " + image + " is not on this worker and could not be pulled: " + e.getMessage(), e);
        } finally {
            DockerRuntime.closeQuietly(callback);
        }
    }

    static boolean hasTagOrDigest(String image) {
        String lastSegment = image.substring(image.lastIndexOf('/') + 1);
        return lastSegment.contains(":") || image.contains("@");
    }
}
