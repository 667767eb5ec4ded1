package dev.nutjar.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * A multi-key request split into one fragment per server, and the merge of their replies back
 * into the one reply the client expects, in the order of its keys.
 *
 * <p>The proxy takes each fragment's bytes, sends them, hands every fragment's outcome back
 * through {@link #reply} or {@link #fail}, and once all are in asks for {@link #merge}.
 */
public interface Split {

    /**
     * How many fragments: at least one for a split request; none for a {@link Request#fanOut fan-out}
     * answered without a server, whose {@link #merge} is then the reply.
     */
    int fragmentCount();

    /** The server index fragment {@code f} goes to. */
    int server(int f);

    /**
     * The bytes of fragment {@code f}; may be called once per fragment.
     *
     * @return a new buffer the caller owns
     */
    ByteBuf takeRequest(int f);

    /** The reply kind of every fragment, for {@link ServerCodec#decode}. */
    default int replyKind() {
        return 0;
    }

    /**
     * Fragment {@code f}'s reply.
     *
     * @param reply taken over by the split, which releases it
     */
    void reply(int f, ByteBuf reply);

    /**
     * Fragment {@code f} failed before a reply came.
     *
     * @param reason why, in words ({@code Connection refused}); the merge reports it in the
     *     protocol's error form
     */
    void fail(int f, String reason);

    /**
     * The merged reply, once every fragment has a reply or a failure.
     *
     * @return a new buffer the caller owns
     */
    ByteBuf merge(ByteBufAllocator alloc);

    /** Releases every buffer the split still holds. Idempotent. */
    void release();
}
