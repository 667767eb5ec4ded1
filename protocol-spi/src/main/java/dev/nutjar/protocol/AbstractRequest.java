package dev.nutjar.protocol;

import io.netty.util.IllegalReferenceCountException;
import io.netty.util.ReferenceCounted;

/**
 * A base for a {@link Request} that wraps what its protocol's parser produced and shares that
 * object's reference count: one count and one release, however the request is passed on, and
 * no count of its own to allocate.
 *
 * <p>A subclass that pools its instances makes them with the no-argument constructor, hands one
 * out after {@link #wrap}, and takes it back in {@link #deallocated()}.
 */
public abstract class AbstractRequest implements Request {
    /** Null before {@link #wrap} and once the count reached zero through this request. */
    private ReferenceCounted parsed;

    /** For pooled subclasses: {@link #wrap} before the request is handed out. */
    protected AbstractRequest() {
    }

    /** @param parsed the parser's result; this request takes over the caller's reference to it */
    protected AbstractRequest(ReferenceCounted parsed) {
        this.parsed = parsed;
    }

    /** @param parsed the parser's result; this request takes over the caller's reference to it */
    protected final void wrap(ReferenceCounted parsed) {
        this.parsed = parsed;
    }

    /** The parser's result; null before {@link #wrap} and once released through this request. */
    protected final ReferenceCounted parsed() {
        return parsed;
    }

    /**
     * Called once the shared count reached zero through this request: a pooled subclass clears
     * its fields and returns itself to its pool here. Does nothing by default.
     */
    protected void deallocated() {
    }

    @Override
    public final int refCnt() {
        return parsed == null ? 0 : parsed.refCnt();
    }

    @Override
    public final boolean release() {
        return release(1);
    }

    @Override
    public final boolean release(int decrement) {
        if (parsed == null) {
            throw new IllegalReferenceCountException(0, -decrement);
        }
        if (parsed.release(decrement)) {
            parsed = null;
            deallocated();
            return true;
        }
        return false;
    }

    @Override
    public Request retain() {
        return retain(1);
    }

    @Override
    public Request retain(int increment) {
        if (parsed == null) {
            throw new IllegalReferenceCountException(0, increment);
        }
        parsed.retain(increment);
        return this;
    }

    @Override
    public Request touch() {
        return touch(null);
    }

    @Override
    public Request touch(Object hint) {
        if (parsed != null) {
            parsed.touch(hint);
        }
        return this;
    }
}
