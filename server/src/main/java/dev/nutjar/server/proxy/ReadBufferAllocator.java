package dev.nutjar.server.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelConfig;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.util.UncheckedBooleanSupplier;

/**
 * Where a connection's reads go, around Netty's adaptive sizing (which still decides how much each
 * read asks for):
 *
 * <ul>
 *   <li>{@link #intoSpares}, for clients: a read that fits one of the loop's {@link SpareBuffers}
 *       goes into one, and the connection gives it back once every byte in it has been handled
 *       ({@link SpareBuffers#recycle}). A small request then costs no trip through Netty's pool
 *       for its read buffer: a tenth of the loop's user time with one request per client read.
 *   <li>{@link #withHeadroom}, for backends: each read starts {@code headroom} bytes into its
 *       buffer, so that the start of a reply cut by the previous read can be put in front of the
 *       new bytes ({@link Cumulation#cumulate}), rather than the new bytes copied after it.
 *       With pipelined clients a backend read often ends in a cut reply.
 * </ul>
 *
 * <p>Either way, a read larger than a spare (the sizing grows reads while they come full, as they
 * do for a large value) goes into one of the loop's {@link RecyclingReadBuffers}, whose memory is
 * reused from one large value to the next rather than taken from the system and given back.
 *
 * <p>For channels of one event loop only: its spares are not thread-safe.
 */
final class ReadBufferAllocator implements RecvByteBufAllocator {
    private final RecvByteBufAllocator sizing;
    private final SpareBuffers spares;
    private final int headroom;
    private final RecyclingReadBuffers large;
    /** Reads asking for more than this go into {@link #large}. */
    private final int largeAbove;

    private ReadBufferAllocator(RecvByteBufAllocator sizing, SpareBuffers spares, int headroom,
            RecyclingReadBuffers large, int largeAbove) {
        this.sizing = sizing;
        this.spares = spares;
        this.headroom = headroom;
        this.large = large;
        this.largeAbove = largeAbove;
    }

    /**
     * @param sizing decides how much each read asks for; its handles must be
     *     {@link ExtendedHandle}s, as Netty's own are
     */
    static ReadBufferAllocator intoSpares(RecvByteBufAllocator sizing, SpareBuffers spares, RecyclingReadBuffers large) {
        return new ReadBufferAllocator(sizing, spares, 0, large, spares.bufferSize());
    }

    /**
     * @param sizing as for {@link #intoSpares}; each buffer is {@code headroom} bytes larger than it asks
     * @param largeAbove reads asking for more than this go into {@code large}
     */
    static ReadBufferAllocator withHeadroom(RecvByteBufAllocator sizing, int headroom, RecyclingReadBuffers large,
            int largeAbove) {
        if (headroom <= 0) {
            throw new IllegalArgumentException("headroom must be > 0 (was: " + headroom + ")");
        }
        return new ReadBufferAllocator(sizing, null, headroom, large, largeAbove);
    }

    @Override
    public ExtendedHandle newHandle() {
        return new ReadHandle((ExtendedHandle) sizing.newHandle());
    }

    private final class ReadHandle implements ExtendedHandle {
        private final ExtendedHandle sizing;

        ReadHandle(ExtendedHandle sizing) {
            this.sizing = sizing;
        }

        /** @return owned by the caller, as from any allocator */
        @Override
        public ByteBuf allocate(ByteBufAllocator alloc) {
            int guess = sizing.guess();
            if (guess > largeAbove && guess + headroom <= large.bufferSize()) {
                return large.take(alloc).setIndex(headroom, headroom);
            }
            if (headroom > 0) {
                ByteBuf buffer = alloc.ioBuffer(guess + headroom);
                return buffer.setIndex(headroom, headroom);
            }
            int spareSize = spares.bufferSize();
            return guess <= spareSize ? spares.take(alloc, spareSize) : sizing.allocate(alloc);
        }

        @Override
        public int guess() {
            return sizing.guess();
        }

        @Override
        public void reset(ChannelConfig config) {
            sizing.reset(config);
        }

        @Override
        public void incMessagesRead(int numMessages) {
            sizing.incMessagesRead(numMessages);
        }

        @Override
        public void lastBytesRead(int bytes) {
            sizing.lastBytesRead(bytes);
        }

        @Override
        public int lastBytesRead() {
            return sizing.lastBytesRead();
        }

        @Override
        public void attemptedBytesRead(int bytes) {
            sizing.attemptedBytesRead(bytes);
        }

        @Override
        public int attemptedBytesRead() {
            return sizing.attemptedBytesRead();
        }

        @Override
        public boolean continueReading() {
            return sizing.continueReading();
        }

        @Override
        public boolean continueReading(UncheckedBooleanSupplier maybeMoreDataSupplier) {
            return sizing.continueReading(maybeMoreDataSupplier);
        }

        @Override
        public void readComplete() {
            sizing.readComplete();
        }
    }
}
