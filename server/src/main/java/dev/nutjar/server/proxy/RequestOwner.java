package dev.nutjar.server.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Whom a routed request answers to. A {@link PendingRequest} reports its reply, its failure and
 * the start of a streamed reply through this, never by reaching into its owner (as Envoy's
 * redis_proxy {@code SplitCallbacks}): today the owner is a {@link ClientSession}; a reload, a
 * cluster redirection or an admin request can be another.
 */
interface RequestOwner {
    /**
     * Whether {@code request}'s reply is the next one its client gets, and the client is still
     * open: then it may be written straight from the backend's input, or streamed.
     */
    boolean awaitsNext(PendingRequest request);

    /** {@code request} holds its reply now ({@link PendingRequest#reply}): every reply now due is written. */
    void replied(PendingRequest request);

    /**
     * The reply to the request the client awaits next ({@link #awaitsNext}) arrived: it is written
     * from the backend's input (copied when small), then every reply due behind it.
     *
     * @param source holds the reply at {@code index}; still the caller's, not retained
     */
    void repliedInPlace(PendingRequest request, ByteBuf source, int index, int length);

    /**
     * {@code request}'s reply of {@code bytes} will be passed on as it arrives ({@link #streamed}):
     * only when {@link #awaitsNext}.
     */
    void streamStarts(PendingRequest request, int bytes);

    /**
     * The next bytes of the reply being streamed.
     *
     * @param chunk taken over
     */
    void streamed(ByteBuf chunk);

    /** The reply being streamed will not be finished: nothing can follow it, so the client is closed. */
    void streamCutShort();

    /**
     * A forwarded request failed (server down, timed out, bad reply): counted as the pool's
     * forward_error, and as an error of its command ({@code Request.command()}).
     */
    void forwardFailed(int command);

    /** The protocol's error reply for {@code reason}, owned by the caller. */
    ByteBuf errorReply(String reason);

    /** Whether the client went away: replies for it are dropped. */
    boolean gone();

    /** For replies made for this owner (merged fragments). */
    ByteBufAllocator allocator();

    /**
     * A backend connection of the client's own ended unasked: its subscriptions or transaction are
     * gone with it, so the client is closed, as if its one Redis connection had broken.
     */
    void sessionLost();
}
