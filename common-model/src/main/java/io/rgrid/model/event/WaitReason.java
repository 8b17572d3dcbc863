package io.rgrid.model.event;

/** Why a queued execution is not running yet. */
public enum WaitReason {
    /** A worker is being created for it. */
    PROVISIONING,
    /** Every worker is busy and no more may be created. */
    NO_CAPACITY,
    /** Workers are busy; one is expected to free up. */
    WAITING_FOR_SLOT
}
