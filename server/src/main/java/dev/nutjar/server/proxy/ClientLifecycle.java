package dev.nutjar.server.proxy;

/**
 * Where a client connection is on its way to closing; it only moves forward. Whether the client's
 * reading is paused (back-pressure, the decode turn) is a separate matter, and so is its half-close.
 */
enum ClientLifecycle {
    /** Requests are read and answered. */
    OPEN,
    /** No more requests are read (QUIT, a protocol error): those read are still answered. */
    DRAINING,
    /** The last reply is written: the connection closes at its next flush, once that reply is out. */
    CLOSE_AFTER_FLUSH,
    /** Closing: what was written goes out, then the socket is closed. */
    CLOSING,
    /** The socket is closed. */
    CLOSED;

    /** Whether requests are still read. */
    boolean reading() {
        return this == OPEN;
    }

    /** Whether replies are still to be written in order: neither closing nor closed. */
    boolean answering() {
        return this == OPEN || this == DRAINING;
    }
}
