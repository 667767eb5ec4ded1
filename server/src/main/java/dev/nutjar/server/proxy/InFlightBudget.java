package dev.nutjar.server.proxy;

/**
 * How many requests one client may have in flight (sent, or answered but not yet written): the
 * reply budget, {@link #REPLY_BUDGET} bytes, divided by the size of its recent replies, between
 * one request and {@link #MAX_PENDING}; before its first reply, {@link #INITIAL_IN_FLIGHT}. A
 * client pipelining small requests keeps thousands in flight; one asking for large values, or
 * never reading, cannot make the proxy hold more than about the budget in replies for it.
 */
final class InFlightBudget {
    /** The most requests in flight per client. */
    static final int MAX_PENDING = 1024;
    /**
     * Requests in flight before the size of the client's replies is known: they may all be large,
     * and queue ahead of other clients' requests on a shared backend connection.
     */
    static final int INITIAL_IN_FLIGHT = 4;
    /**
     * Bytes of replies a client's requests in flight may bring, by the estimate of its reply size:
     * what the proxy holds for a client that reads slowly, and what its requests put ahead of
     * other clients' on a shared backend connection (a few milliseconds of a server's time).
     */
    static final long REPLY_BUDGET = 4L * 1024 * 1024;

    /** Recent reply size: rises at once to a larger reply, falls by an eighth of the gap per reply; 0 before any. */
    private long replySizeEstimate;

    /** How many requests the client may have in flight, given the size of its recent replies. */
    int maxInFlight() {
        long estimate = replySizeEstimate;
        if (estimate == 0) {
            return INITIAL_IN_FLIGHT;
        }
        return (int) Math.max(1, Math.min(MAX_PENDING, REPLY_BUDGET / estimate));
    }

    /** Whether {@code inFlight} requests reach the limit: the client is paused. */
    boolean full(int inFlight) {
        return inFlight >= maxInFlight();
    }

    /** Whether a paused client may be read from again: its replies drained to a quarter of its allowance. */
    boolean allowsResume(int inFlight) {
        return inFlight <= maxInFlight() / 4;
    }

    /** Notes the size of a reply about to be queued for the client. */
    void replySized(int bytes) {
        long estimate = replySizeEstimate;
        replySizeEstimate = bytes >= estimate ? Math.max(bytes, 1) : estimate - ((estimate - bytes) >> 3);
    }
}
