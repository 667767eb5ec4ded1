package dev.nutjar.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * The protocol's words for sessions ({@link SessionRole}): what the proxy sends on a client's own
 * backend connections and the replies it makes itself there. The proxy keeps the state (which
 * channels, which server a transaction is on); this only encodes and recognises. Stateless and
 * thread-safe.
 */
public interface SessionCodec {

    /**
     * Encodes a command of the subscription role {@code role} with {@code channels}, to send to a
     * server.
     *
     * @return a new buffer the caller owns
     */
    ByteBuf subscriptionCommand(ByteBufAllocator alloc, SessionRole role, byte[][] channels, int count);

    /**
     * Appends the confirmation a client gets for one channel of a subscription request.
     *
     * @param channel the channel or pattern, or null when an unsubscription found none
     * @param subscriptions the client's subscriptions of that kind after it, as the protocol counts them
     * @param out written at its writer index; stays the caller's
     */
    void writeConfirmation(ByteBuf out, SessionRole role, byte[] channel, long subscriptions);

    /**
     * Whether a frame from a subscribed server connection is a message to pass on, rather than the
     * server's own confirmation (which the proxy makes itself) or a reply.
     *
     * @param in holds the frame at {@code index}; not changed, still the caller's
     */
    boolean isMessage(ByteBuf in, int index, int length);

    /**
     * The reply to {@code ping} from a subscribed client.
     *
     * @return a new buffer the caller owns
     */
    ByteBuf subscribedPing(ByteBufAllocator alloc, Request ping);

    /**
     * The error a subscribed client gets for a request it may not send then.
     *
     * @return a new buffer the caller owns
     */
    ByteBuf notAllowedWhileSubscribed(ByteBufAllocator alloc, Request request);

    /**
     * A command without arguments of {@code role} (MULTI, DISCARD), to send to a server.
     *
     * @return a new buffer the caller owns
     */
    ByteBuf command(ByteBufAllocator alloc, SessionRole role);

    /** The replies the proxy gives for a transaction it keeps itself. */
    enum Reply {
        /** MULTI, DISCARD, UNWATCH: done. */
        OK,
        /** A command held for the transaction. */
        QUEUED,
        /** EXEC of a transaction with no command. */
        EMPTY_EXEC,
        /** EXEC of a transaction that had an error. */
        EXEC_ABORTED,
        /** EXEC without MULTI. */
        EXEC_WITHOUT_MULTI,
        /** DISCARD without MULTI. */
        DISCARD_WITHOUT_MULTI,
        /** MULTI inside MULTI. */
        NESTED_MULTI,
        /** WATCH inside MULTI. */
        WATCH_IN_MULTI
    }

    /**
     * One of the replies the proxy gives for transactions.
     *
     * @return a new buffer the caller owns
     */
    ByteBuf reply(ByteBufAllocator alloc, Reply reply);
}
