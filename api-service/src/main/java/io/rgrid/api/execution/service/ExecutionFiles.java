package io.rgrid.api.execution.service;

import io.rgrid.api.error.ApiException;
import io.rgrid.api.storage.ObjectStore;
import io.rgrid.api.storage.StorageException;
import io.rgrid.model.api.ErrorCode;
import io.rgrid.model.storage.StorageKeys;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.UUID;

/**
 * A new execution's files in the object store, all or none: a submission's uploads, or a retry's
 * copies of the original's files. When one write fails, what was written is removed again and
 * nothing was submitted; the keys written are returned so a failed commit can remove them too.
 */
@Singleton
class ExecutionFiles {

    private final ObjectStore store;

    ExecutionFiles(ObjectStore store) {
        this.store = store;
    }

    /** The submission's script, inputs and requirements under {@code keys}. */
    List<String> upload(Submission submission, ExecutionKeys keys) {
        return stage(written -> {
            put(submission.script(), keys.script(), written);
            for (UploadedFile input : submission.inputs()) {
                put(input, keys.inputs().get(input.fileName()), written);
            }
            if (keys.requirements() != null) {
                put(submission.requirements(), keys.requirements(), written);
            }
        });
    }

    /** Copies, inside the bucket, the files of execution {@code from} to {@code keys}. */
    List<String> copy(UUID from, ExecutionKeys keys) {
        return stage(written -> {
            copy(StorageKeys.script(from), keys.script(), written);
            keys.inputs().forEach((name, key) -> copy(StorageKeys.input(from, name), key, written));
            if (keys.requirements() != null) {
                copy(StorageKeys.requirements(from), keys.requirements(), written);
            }
        });
    }

    void discard(Collection<String> written) {
        store.deleteQuietly(written);
    }

    private interface Writes {
        void into(List<String> written);
    }

    private List<String> stage(Writes writes) {
        List<String> written = new ArrayList<>();
        try {
            writes.into(written);
        } catch (StorageException e) {
            store.deleteQuietly(written);
            throw ApiException.dependencyUnavailable("the object store is unavailable; nothing was submitted", e);
        } catch (RuntimeException e) {
            store.deleteQuietly(written);
            throw e;
        }
        return written;
    }

    private void put(UploadedFile file, String key, List<String> written) {
        // Recorded before the put: a put that fails half-way may still leave an object to remove.
        written.add(key);
        try (InputStream content = file.open()) {
            store.put(key, content, file.size(), file.contentType());
        } catch (IOException e) {
            throw new StorageException("reading the spooled upload for " + key + " failed: " + e.getMessage(), e);
        }
    }

    private void copy(String from, String to, List<String> written) {
        written.add(to);
        if (!store.copy(from, to)) {
            throw new ApiException(ErrorCode.INVALID_STATE, "the files of the original execution are gone (" + from
                    + "); it cannot be retried");
        }
    }
}
