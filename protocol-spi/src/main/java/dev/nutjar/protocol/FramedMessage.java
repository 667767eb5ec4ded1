package dev.nutjar.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.util.IllegalReferenceCountException;
import io.netty.util.ReferenceCounted;

/**
 * A base for what a parser makes of one message: a reference to the input buffer it was read
 * from and where its bytes lie there, rather than a view of them, so that a pooled message costs
 * no allocation at all. {@link #frame()} makes the view when somebody asks for it.
 *
 * <p>The reference count is a plain {@code int}: a message lives on one event loop. When it
 * reaches zero the input is released and {@link #deallocated()} runs, where a pooled subclass
 * clears its own fields and returns itself to its pool; nothing may be read from the message
 * afterwards.
 *
 * @param <T> the subclass, which {@link #retain()} and {@link #touch()} return
 */
public abstract class FramedMessage<T extends FramedMessage<T>> implements ReferenceCounted {
    private int refCnt;
    /** The input, one reference owned by this message; null when it has none. */
    private ByteBuf source;
    private int frameIndex;
    private int frameLength;
    /** A view of the frame, made by the first {@link #frame()} call. */
    private ByteBuf frameView;

    protected FramedMessage() {
    }

    /**
     * Starts a message's life (again): a count of one, and its bytes.
     *
     * @param source one reference taken over; the message releases it
     */
    protected final void open(ByteBuf source, int index, int length) {
        this.refCnt = 1;
        setFrame(source, index, length);
    }

    /** Starts a message's life with no bytes yet; {@link #setFrame} gives them. */
    protected final void open() {
        open(null, 0, 0);
    }

    /** @param source one reference taken over; the message releases it */
    protected final void setFrame(ByteBuf source, int index, int length) {
        this.source = source;
        this.frameIndex = index;
        this.frameLength = length;
        this.frameView = null;
    }

    /**
     * The message's bytes, exactly as received: a view of {@link #frameSource()} from
     * {@link #frameIndex()}, made on the first call; null when it has none.
     *
     * @return a buffer owned by this message and valid until it is released; the caller must not
     *     release it (use {@code retainedDuplicate()} to keep or forward it independently)
     */
    public final ByteBuf frame() {
        ByteBuf view = frameView;
        if (view == null && source != null) {
            view = source.slice(frameIndex, frameLength);
            frameView = view;
        }
        return view;
    }

    /**
     * The buffer that holds the message's bytes: the input, which this message keeps a reference
     * to. Reading or copying from it at {@link #frameIndex()} costs no view object.
     *
     * @return a buffer owned by this message and valid until it is released; the caller must not
     *     release it, nor move its indexes
     */
    public final ByteBuf frameSource() {
        return source;
    }

    /** Where the message's first byte is in {@link #frameSource()}: its offsets count from here. */
    public final int frameIndex() {
        return frameIndex;
    }

    /** How many bytes the message has. */
    public final int frameLength() {
        return frameLength;
    }

    /**
     * The count reached zero: clear the subclass's fields and, for a pooled message, return it to
     * its pool. The input is released after this returns.
     */
    protected abstract void deallocated();

    /** Drops a message that was never handed out (its parser gave up on it); releases its input. */
    protected final void discard() {
        refCnt = 1;
        release();
    }

    @Override
    public final int refCnt() {
        return refCnt;
    }

    @Override
    public final T retain() {
        return retain(1);
    }

    @Override
    @SuppressWarnings("unchecked")
    public final T retain(int increment) {
        if (increment <= 0) {
            throw new IllegalArgumentException("increment must be > 0 (was: " + increment + ")");
        }
        if (refCnt <= 0 || refCnt + increment < refCnt) {
            throw new IllegalReferenceCountException(refCnt, increment);
        }
        refCnt += increment;
        return (T) this;
    }

    @Override
    public final T touch() {
        return touch(null);
    }

    @Override
    @SuppressWarnings("unchecked")
    public final T touch(Object hint) {
        if (source != null) {
            source.touch(hint);
        }
        return (T) this;
    }

    @Override
    public final boolean release() {
        return release(1);
    }

    @Override
    public final boolean release(int decrement) {
        if (decrement <= 0) {
            throw new IllegalArgumentException("decrement must be > 0 (was: " + decrement + ")");
        }
        if (refCnt < decrement) {
            throw new IllegalReferenceCountException(refCnt, -decrement);
        }
        refCnt -= decrement;
        if (refCnt != 0) {
            return false;
        }
        ByteBuf ownSource = source;
        source = null;
        frameView = null;
        frameIndex = 0;
        frameLength = 0;
        deallocated();
        if (ownSource != null) {
            ownSource.release();
        }
        return true;
    }
}
