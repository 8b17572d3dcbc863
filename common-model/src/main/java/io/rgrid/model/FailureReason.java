package io.rgrid.model;

/**
 * Why an attempt ended the way it did. Stable strings: they travel in events and in the API.
 */
public enum FailureReason {
    /** The script exited with a non-zero code. */
    NONZERO_EXIT,
    /** The kernel killed the container for exceeding its memory limit. */
    OOM_KILLED,
    /** The image was missing and could not be pulled within the pull deadline. */
    IMAGE_PULL_FAILED,
    /** requirements.txt could not be installed. */
    REQUIREMENTS_FAILED,
    /** The script, its inputs or requirements could not be fetched from storage. */
    INPUT_UNAVAILABLE,
    /** The execution ran past its timeout and was killed. */
    TIMEOUT,
    /** A user asked to cancel it. */
    CANCELLED,
    /** Outputs exceeded the size or count limits. */
    OUTPUT_LIMIT,
    /** The worker stopped heartbeating and no attempts were left. */
    WORKER_LOST,
    /** The worker could not run it for a reason of its own (runtime error, disk full, ...). */
    WORKER_ERROR,
    /**
     * While it was queued, no allowed machine type could hold it any more (the allowed types
     * changed, or a type was withdrawn): the orchestrator fails it instead of letting it wait for ever.
     */
    UNSCHEDULABLE
}
