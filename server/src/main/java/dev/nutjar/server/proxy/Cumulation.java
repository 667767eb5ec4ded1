package dev.nutjar.server.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;

/** Joins a connection's unread input to its next read: for client and backend connections alike. */
final class Cumulation {
    private Cumulation() {}

    /**
     * Beyond this many bytes a cumulation is a composite of the reads rather than a copy: a large
     * value arriving in many reads is then neither copied nor moved into ever larger buffers (each
     * new buffer above Netty's chunk size is allocated outside its pool and zeroed first).
     */
    static final int COMPOSE_ABOVE = 64 * 1024;
    /** A read less full than this fraction of its buffer is compacted before it is kept in a composite. */
    private static final int COMPACT_BELOW_FILL_DIVISOR = 2;

    /**
     * Appends {@code in} to {@code cumulation}. When the cumulation's bytes fit in the room before
     * {@code in}'s reader index (a read with headroom, see {@link ReadBufferAllocator}), they are
     * copied there instead: usually the few bytes of a cut message rather than a whole read. When
     * both together exceed {@link #COMPOSE_ABOVE}, the reads are kept as the parts of a composite
     * buffer, without a copy. Otherwise the bytes of {@code in} are copied, into the cumulation
     * unless a request still holds a slice of it (its reference count is above one) or it has no
     * room.
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
        if ((long) carried + in.readableBytes() > COMPOSE_ABOVE) {
            return compose(alloc, cumulation, in);
        }
        try {
            if (cumulation.refCnt() == 1 && !cumulation.isReadOnly() && !(cumulation instanceof CompositeByteBuf)) {
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

    /**
     * Adds {@code in} to a composite of the reads. A composite that requests were taken from is not
     * added to: the rest of it (the start of the next request, at most about a read) is copied into
     * a new one, so that a client forever mid-request does not keep every earlier read alive.
     *
     * @param cumulation taken over
     * @param in taken over
     */
    private static ByteBuf compose(ByteBufAllocator alloc, ByteBuf cumulation, ByteBuf in) {
        if (in.readableBytes() < in.capacity() / COMPACT_BELOW_FILL_DIVISOR) {
            // A short read in a large buffer: kept as it is, a trickling client would hold many
            // times its bytes.
            ByteBuf compact = alloc.directBuffer(in.readableBytes());
            compact.writeBytes(in);
            in.release();
            in = compact;
        }
        if (cumulation instanceof CompositeByteBuf composite && composite.refCnt() == 1 && composite.readerIndex() == 0) {
            return composite.addComponent(true, in);
        }
        ByteBuf head = cumulation;
        if (cumulation.refCnt() != 1 || cumulation.readerIndex() != 0 || cumulation instanceof CompositeByteBuf) {
            head = alloc.directBuffer(cumulation.readableBytes());
            head.writeBytes(cumulation);
            cumulation.release();
        }
        // Never consolidated (that would copy it all): the composite is as long as the request.
        return alloc.compositeDirectBuffer(Integer.MAX_VALUE).addComponents(true, head, in);
    }
}
