package dev.nutjar.protocol;

import io.netty.buffer.ByteBuf;

/** Helpers for codecs that hand out parts of their input without copying. */
public final class Frames {
    private Frames() {
    }

    /**
     * Takes the next {@code length} readable bytes of {@code in} as a retained view and skips them.
     *
     * <p>The view shares {@code in}'s reference count, which it retains once: releasing the view
     * releases that count. Unlike {@link ByteBuf#retainedSlice(int, int)} it has no reference
     * count of its own, so it costs one small object and two atomic operations instead of a
     * pooled object and four; requests and replies are cut this way once each.
     *
     * @param in still owned by the caller; its reader index moves past the bytes taken
     * @return a buffer the caller owns and must release exactly once
     */
    public static ByteBuf takeRetained(ByteBuf in, int length) {
        int index = in.readerIndex();
        ByteBuf view = retainedView(in, index, length);
        in.readerIndex(index + length);
        return view;
    }

    /**
     * The {@code length} bytes of {@code in} from {@code index} as a view that shares {@code in}'s
     * reference count, retained once (see {@link #takeRetained}); {@code in}'s indexes stay.
     *
     * @param in still owned by the caller
     * @return a buffer the caller owns and must release exactly once
     */
    public static ByteBuf retainedView(ByteBuf in, int index, int length) {
        ByteBuf view = in.slice(index, length);
        in.retain();
        return view;
    }
}
