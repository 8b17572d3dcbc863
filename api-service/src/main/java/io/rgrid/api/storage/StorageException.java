package io.rgrid.api.storage;

/** The object store failed or could not be reached. */
public class StorageException extends RuntimeException {
    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
