package dev.nutjar.protocol;

import io.netty.util.ReferenceCounted;

/**
 * A base for a {@link Request} that wraps what its protocol's parser produced and shares that
 * object's reference count: one count and one release, however the request is passed on, and
 * no count of its own to allocate.
 */
public abstract class AbstractRequest implements Request {
    private final ReferenceCounted parsed;

    /** @param parsed the parser's result; this request takes over the caller's reference to it */
    protected AbstractRequest(ReferenceCounted parsed) {
        this.parsed = parsed;
    }

    @Override
    public final int refCnt() {
        return parsed.refCnt();
    }

    @Override
    public final boolean release() {
        return parsed.release();
    }

    @Override
    public final boolean release(int decrement) {
        return parsed.release(decrement);
    }

    @Override
    public Request retain() {
        parsed.retain();
        return this;
    }

    @Override
    public Request retain(int increment) {
        parsed.retain(increment);
        return this;
    }

    @Override
    public Request touch() {
        parsed.touch();
        return this;
    }

    @Override
    public Request touch(Object hint) {
        parsed.touch(hint);
        return this;
    }
}
