package dev.nutjar.protocol;

import io.netty.buffer.ByteBuf;

/**
 * An {@link AbstractRequest} over a parser's {@link FramedMessage}: the request's bytes are the
 * message's, forwarded from where they lie in the client's input.
 *
 * @param <M> the parser's message type
 */
public abstract class AbstractFramedRequest<M extends FramedMessage<M>> extends AbstractRequest {

    /** For pooled subclasses: {@link #wrap(FramedMessage)} before the request is handed out. */
    protected AbstractFramedRequest() {
    }

    /** @param message taken over: this request owns the caller's reference to it */
    protected AbstractFramedRequest(M message) {
        super(message);
    }

    /** @param message taken over: this request owns the caller's reference to it */
    protected final void wrap(M message) {
        super.wrap(message);
    }

    /** The parsed message; null once this request was released through {@link #release()}. */
    @SuppressWarnings("unchecked") // only an M is ever wrapped
    protected final M message() {
        return (M) parsed();
    }

    @Override
    public ByteBuf frame() {
        return message().frame();
    }

    @Override
    public ByteBuf frameSource() {
        return message().frameSource();
    }

    @Override
    public int frameIndex() {
        return message().frameIndex();
    }

    @Override
    public int frameLength() {
        return message().frameLength();
    }
}
