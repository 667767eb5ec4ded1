package dev.nutjar.server.proxy;

import dev.nutjar.protocol.Frames;
import io.netty.buffer.ByteBuf;

/**
 * A large reply passed on to its client as it arrives, without a copy, rather than gathered whole:
 * only its last bytes are decoded. One per backend connection; loop thread only.
 */
final class ReplyStream {
    /** Replies whose header and data are at least this long are passed on as they arrive. */
    static final int MIN_LENGTH = 8192;

    /** The request whose reply is passed on, until its last bytes are decoded; or null. */
    private PendingRequest request;
    /** Bytes still to pass on before the reply's last bytes; the connection's input is empty meanwhile. */
    private int left;
    /** The bytes passed on, counted in response_bytes when the reply ends. */
    private int passedOn;

    /** Whether bytes of a streamed reply are still to be passed on before anything is decoded. */
    boolean passingOn() {
        return left > 0;
    }

    /** Whether a reply is being streamed (its last bytes may still be to decode). */
    boolean active() {
        return request != null;
    }

    /** Starts passing on {@code request}'s reply: its first {@code length} bytes are passed on as they come. */
    void start(PendingRequest request, int length) {
        request.streamStarts(length);
        this.request = request;
        this.left = length;
        this.passedOn = length;
    }

    /**
     * Passes on the next bytes of the streamed reply.
     *
     * @param in taken over
     * @return the bytes of {@code in} after the streamed part, which the caller owns; or null
     */
    ByteBuf passOn(ByteBuf in) {
        int readable = in.readableBytes();
        if (readable <= left) {
            left -= readable;
            request.streamed(in);
            return null;
        }
        ByteBuf chunk = Frames.takeRetained(in, left);
        left = 0;
        request.streamed(chunk);
        return in;
    }

    /**
     * The reply of {@code exchange} was decoded: when it is the streamed one, the stream ends.
     *
     * @return the bytes passed on before the decoded part, 0 for a reply not streamed
     */
    int endIfStreaming(Exchange exchange) {
        if (exchange != request) {
            return 0;
        }
        request = null;
        return passedOn;
    }

    /** Forgets the stream: the connection is gone. */
    void reset() {
        request = null;
        left = 0;
    }
}
