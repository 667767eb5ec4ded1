package dev.nutjar.server.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelConfig;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.util.UncheckedBooleanSupplier;

/**
 * Reads into the loop's {@link SpareBuffers}: a read that the wrapped allocator would size at a
 * spare's size or less gets a spare, and the connection gives it back once every byte in it has
 * been handled ({@link SpareBuffers#recycle}). A small request or reply then costs no trip through
 * Netty's pool for its read buffer (a tenth of the loop's user time with one request per client
 * read). Larger reads, and the sizing, are the wrapped allocator's.
 *
 * <p>For channels of one event loop only: its spares are not thread-safe.
 */
final class SparingRecvAllocator implements RecvByteBufAllocator {
    private final RecvByteBufAllocator sizing;
    private final SpareBuffers spares;

    /**
     * @param sizing decides how much each read asks for; its handles must be
     *     {@link ExtendedHandle}s, as Netty's own are
     */
    SparingRecvAllocator(RecvByteBufAllocator sizing, SpareBuffers spares) {
        this.sizing = sizing;
        this.spares = spares;
    }

    @Override
    public Handle newHandle() {
        return new SparingHandle((ExtendedHandle) sizing.newHandle(), spares);
    }

    private static final class SparingHandle implements ExtendedHandle {
        private final ExtendedHandle sizing;
        private final SpareBuffers spares;

        SparingHandle(ExtendedHandle sizing, SpareBuffers spares) {
            this.sizing = sizing;
            this.spares = spares;
        }

        /** @return owned by the caller, as from any allocator */
        @Override
        public ByteBuf allocate(ByteBufAllocator alloc) {
            int spareSize = spares.bufferSize();
            return sizing.guess() <= spareSize ? spares.take(alloc, spareSize) : sizing.allocate(alloc);
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
