package dev.nutjar.server.proxy;

import dev.nutjar.protocol.Request;
import dev.nutjar.routing.ServerPool;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Where a pool's requests go, as one event loop sees it: which server a key belongs to, and which
 * of the loop's connections serves that server. Today a ring (ketama, modula, random) over the
 * pool's fixed servers ({@link RingUpstream}); a Redis Cluster slot map or Sentinel-managed
 * masters implement this too, and the client side does not change.
 */
interface Upstream {
    /** What {@link #serverOf} returns when no server can take the key. */
    int NO_SERVER = ServerPool.NO_SERVER;

    /** The server index of key {@code key} of {@code request}, or {@link #NO_SERVER}. Allocates nothing. */
    int serverOf(Request request, int key);

    /** A connection of this loop to {@code server}, which sends the request and reads its reply. */
    BackendConnection connection(int server);

    /**
     * The servers a request for each server goes over now, or null when there is none to send it to.
     *
     * @param pool the generation of the pool this upstream routes by
     */
    default FanOutServers fanOutServers(PoolDescription pool) {
        return new FanOutServers.ByIndex(pool, this);
    }

    /**
     * Sends a request whose reply completes {@code exchange} to {@code server}. (A cluster
     * node's connection keeps the bytes until the reply, to follow a redirect.)
     *
     * @param source holds the request at {@code index}; still the caller's, not retained
     */
    default void send(int server, Exchange exchange, ByteBuf source, int index, int length) {
        connection(server).send(exchange, source, index, length);
    }

    /**
     * Sends a request (a fragment of a split one) whose reply completes {@code exchange}.
     *
     * @param frame taken over
     */
    default void send(int server, Exchange exchange, ByteBuf frame) {
        connection(server).send(exchange, frame);
    }

    /**
     * As {@link #send(int, Exchange, ByteBuf, int, int)}, for a request that only reads
     * ({@link Request#readOnly()}): a cluster pool may send it to a replica of the slot.
     */
    default void sendRead(int server, Exchange exchange, ByteBuf source, int index, int length) {
        send(server, exchange, source, index, length);
    }

    /** As {@link #send(int, Exchange, ByteBuf)}, for a fragment of a request that only reads. */
    default void sendRead(int server, Exchange exchange, ByteBuf frame) {
        send(server, exchange, frame);
    }

    /** The reply to a request whose keys must share a server and do not; owned by the caller. */
    default ByteBuf crossServerReply(Request request, ByteBufAllocator alloc) {
        return request.crossServerReply(alloc);
    }

    /** Opens a connection to every server now (twemproxy's {@code preconnect}). */
    void preconnect();

    /**
     * The upstream of {@code next}, a reload's new generation of this pool, on the same loop: see
     * {@link RingUpstream#RingUpstream(PoolRuntime, LoopState, RingUpstream, int[], boolean)}.
     */
    Upstream nextGeneration(PoolRuntime next, LoopState loop, int[] previousIndex, boolean keepConnections);

    /**
     * Closes the connections to a Sentinel pool's masters that moved, failing what is on them:
     * their servers' next requests go to the new addresses.
     */
    default void dropMovedConnections() {}

    /** Closes every connection, failing what is still on them. */
    void close();
}
