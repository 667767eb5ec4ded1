package dev.nutjar.server.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/** Joins a connection's unread input to its next read: for client and backend connections alike. */
final class Cumulation {
    private Cumulation() {}

    /**
     * Appends {@code in} to {@code cumulation}. When the cumulation's bytes fit in the room before
     * {@code in}'s reader index (a read with headroom, see {@link ReadBufferAllocator}), they are
     * copied there instead: usually the few bytes of a cut message rather than a whole read.
     * Otherwise the bytes of {@code in} are copied, into the cumulation unless a request still holds
     * a slice of it (its reference count is above one) or it has no room.
     *
     * @param cumulation taken over; may be null
     * @param in taken over
     * @return the bytes of both, owned by the caller
     */
    static ByteBuf cumulate(ByteBufAllocator alloc, ByteBuf cumulation, ByteBuf in) {
        if (cumulation == null) {
            return in;
        }
        int carried = cumulation.readableBytes();
        int start = in.readerIndex() - carried;
        // Only into room nobody else sees: bytes before the reader index may have been passed on
        // as a retained slice (a streamed reply), which raises the count.
        if (start >= 0 && in.refCnt() == 1) {
            in.setBytes(start, cumulation, cumulation.readerIndex(), carried);
            in.readerIndex(start);
            cumulation.release();
            return in;
        }
        try {
            if (cumulation.refCnt() == 1 && !cumulation.isReadOnly()) {
                if (cumulation.writableBytes() < in.readableBytes()) {
                    cumulation.discardReadBytes();
                }
                if (cumulation.writableBytes() >= in.readableBytes()
                        || cumulation.maxWritableBytes() >= in.readableBytes()) {
                    cumulation.writeBytes(in);
                    return cumulation;
                }
            }
            ByteBuf merged = alloc.buffer(Math.max(cumulation.readableBytes() + in.readableBytes(), 256));
            merged.writeBytes(cumulation).writeBytes(in);
            cumulation.release();
            return merged;
        } finally {
            in.release();
        }
    }
}
