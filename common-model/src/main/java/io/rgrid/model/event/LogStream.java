package io.rgrid.model.event;

/** Which output stream a log chunk came from. */
public enum LogStream {
    STDOUT,
    STDERR,
    /** Lines the system adds (requirements install, runtime notices). */
    SYSTEM
}
