package dev.nutjar.server.proxy;

import io.netty.buffer.ByteBuf;

/** What a connection to a Redis Cluster node tells its pool's upstream on the same loop. */
interface ClusterNodeEvents {
    /** The connection {@code from} failed: the slot map may be out of date, a replica not to be read from. */
    void nodeFailed(BackendConnection from);

    /**
     * The node answered {@code exchange} with an error reply that may be a redirect
     * ({@code MOVED}, {@code ASK}, {@code TRYAGAIN}, or from a replica {@code LOADING} or
     * {@code MASTERDOWN}); when it is one, and one more is allowed, the request is sent on where it says.
     *
     * @param from the connection the reply came on
     * @param request a copy of the request's bytes; taken over
     * @param reply holds the reply at {@code index}; still the caller's, not retained
     * @return whether the redirect was followed: the reply is then not the request's
     */
    boolean redirected(BackendConnection from, Exchange exchange, ByteBuf request, ByteBuf reply, int index, int length);

    /**
     * Replica connection {@code from} broke with {@code exchange}, a read, unanswered: it is sent to
     * the master instead.
     *
     * @param request a copy of the request's bytes; taken over
     */
    void replicaLost(BackendConnection from, Exchange exchange, ByteBuf request);
}
