package dev.nutjar.server.proxy;

/**
 * Whether the server of one backend connection is late, by its silence: a request past its
 * deadline times out only once the server has neither sent a byte on the connection nor taken one
 * of a large request being written to it for the pool's {@code timeout}. A server busy sending
 * large replies (another client's, or the request's own) or reading a large request is not late.
 *
 * <p>Also counts stalls: one server failure per stall however many requests it fails, as twemproxy
 * counts one per connection it closes on a timeout; a stall that lasts another timeout is another.
 *
 * <p>Times are in the loop's ticker's nanoseconds. Loop thread only.
 */
final class ServerSilence {
    private final long timeoutNanos;
    private long lastHeardNanos;
    /** The server looked silent at the last look: confirmed at the next, after the loop's next poll. */
    private boolean confirming;
    private boolean stallCounted;
    private long stallCountedNanos;
    private long lookAgainAt;

    ServerSilence(long timeoutNanos) {
        this.timeoutNanos = timeoutNanos;
    }

    /** The server sent bytes, took some of a large request, or the connection starts: no stall now. */
    void heard(long now) {
        lastHeardNanos = now;
        confirming = false;
        stallCounted = false;
    }

    /**
     * Whether the server is late at {@code now}. When not, {@link #lookAgainAt()} says when to ask
     * again: when it will have been silent for the timeout, or, once it looks silent, right after
     * the loop's next poll, so that what it sent while the loop was busy elsewhere is read first
     * and a slow loop is not taken for a silent server.
     */
    boolean late(long now) {
        long silentUntil = lastHeardNanos + timeoutNanos;
        if (silentUntil - now > 0) {
            confirming = false;
            lookAgainAt = silentUntil;
            return false;
        }
        if (!confirming) {
            confirming = true;
            lookAgainAt = now;
            return false;
        }
        confirming = false;
        return true;
    }

    /** When to ask {@link #late} again, after it said no. */
    long lookAgainAt() {
        return lookAgainAt;
    }

    /** Whether requests failing late at {@code now} make a new stall, to count as a server failure. */
    boolean newStall(long now) {
        if (stallCounted && now - stallCountedNanos < timeoutNanos) {
            return false;
        }
        stallCounted = true;
        stallCountedNanos = now;
        return true;
    }
}
