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
    /** After a read of at least this many bytes the socket is read again before the loop polls. */
    static final int READ_AGAIN_AFTER = 32 * 1024;
    /** The most reads of one socket per poll while they are long: 1 MiB at the default read size. */
    static final int MAX_LONG_READS = 16;

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
        private ChannelConfig config;
        private int readsThisPoll;

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
            this.config = config;
            readsThisPoll = 0;
            sizing.reset(config);
        }

        @Override
        public void incMessagesRead(int numMessages) {
            readsThisPoll += numMessages;
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
            return readAgain() || sizing.continueReading();
        }

        /**
         * The wrapped sizing allows one read per poll (its default, kept for small requests). A
         * large value arrives in segments of about 64 KiB, each just short of the buffer: after a
         * long read the socket is read again, up to {@link #MAX_LONG_READS} times, rather than
         * polled once per segment.
         */
        @Override
        public boolean continueReading(UncheckedBooleanSupplier maybeMoreDataSupplier) {
            return readAgain() || sizing.continueReading(maybeMoreDataSupplier);
        }

        private boolean readAgain() {
            return lastBytesRead() >= READ_AGAIN_AFTER && readsThisPoll < MAX_LONG_READS && config.isAutoRead();
        }

        @Override
        public void readComplete() {
            sizing.readComplete();
        }
    }
}
