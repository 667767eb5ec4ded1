package dev.nutjar.protocol;

/**
 * What a request does to its client's session, for a protocol whose clients can hold server-side
 * state (Redis pub/sub, transactions, blocking commands): such a client gets backend connections
 * of its own. {@link #NONE} for every other request, and for every request of a protocol without
 * sessions.
 *
 * <p>For the subscription roles the request's keys ({@link Request#keyCount()}) are its channels
 * or patterns.
 */
public enum SessionRole {
    /** An ordinary request. */
    NONE,
    /** Subscribes to its channels, each on the server of its name (Redis SUBSCRIBE). */
    SUBSCRIBE,
    /** Subscribes to its patterns on every server (PSUBSCRIBE). */
    PSUBSCRIBE,
    /** Subscribes to its shard channels, each on the server of its name (SSUBSCRIBE). */
    SSUBSCRIBE,
    /** Unsubscribes from its channels, or from every channel when it has none (UNSUBSCRIBE). */
    UNSUBSCRIBE,
    /** As {@link #UNSUBSCRIBE}, for patterns (PUNSUBSCRIBE). */
    PUNSUBSCRIBE,
    /** As {@link #UNSUBSCRIBE}, for shard channels (SUNSUBSCRIBE). */
    SUNSUBSCRIBE,
    /** Starts a transaction (MULTI). */
    MULTI,
    /** Runs the transaction (EXEC). */
    EXEC,
    /** Drops the transaction (DISCARD). */
    DISCARD,
    /** Watches its keys for a transaction (WATCH): pins the client to their server. */
    WATCH,
    /** Forgets the watched keys (UNWATCH). */
    UNWATCH,
    /** May block its connection until another client acts (BLPOP, XREAD BLOCK ...). */
    BLOCKING,
    /** A ping, which a subscribed client gets a different reply to (PING). */
    PING;

    /** Whether the client gets a session for it: any role but {@link #NONE} and {@link #PING}. */
    public boolean startsSession() {
        return this != NONE && this != PING;
    }

    /**
     * Whether it may move the client's next requests to a connection of its own: then the requests
     * before it are answered first, so that none of them runs after it on a shared connection.
     */
    public boolean waitsForEarlier() {
        return this == MULTI || this == WATCH || this == BLOCKING || this == SUBSCRIBE || this == SSUBSCRIBE
                || this == PSUBSCRIBE;
    }

    /** Whether it subscribes or unsubscribes. */
    public boolean isSubscription() {
        return compareTo(SUBSCRIBE) >= 0 && compareTo(SUNSUBSCRIBE) <= 0;
    }
}
