package dev.nutjar.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.DefaultChannelConfig;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ReadBufferAllocatorTest {
    private final UnpooledByteBufAllocator alloc = new UnpooledByteBufAllocator(true);
    private final SpareBuffers spares = new SpareBuffers(1024);
    private final RecyclingReadBuffers large = new RecyclingReadBuffers(8192, 1 << 20);

    @AfterEach
    void releaseSpares() {
        spares.releaseAll();
        large.freeAll();
    }

    private RecvByteBufAllocator.ExtendedHandle handle(int minimum, int initial, int maximum) {
        RecvByteBufAllocator sizing = new AdaptiveRecvByteBufAllocator(minimum, initial, maximum);
        RecvByteBufAllocator.ExtendedHandle handle =
                ReadBufferAllocator.intoSpares(sizing, spares, large).newHandle();
        handle.reset(new DefaultChannelConfig(new EmbeddedChannel()));
        return handle;
    }

    /** Reads with 512 bytes of headroom, the first asking for {@code initial}. */
    private RecvByteBufAllocator.ExtendedHandle headroomHandle(int initial, int largeAbove) {
        RecvByteBufAllocator sizing = new AdaptiveRecvByteBufAllocator(64, initial, 65536);
        RecvByteBufAllocator.ExtendedHandle handle =
                ReadBufferAllocator.withHeadroom(sizing, 512, large, largeAbove).newHandle();
        handle.reset(new DefaultChannelConfig(new EmbeddedChannel()));
        return handle;
    }

    @Test
    void aReadSizedAtMostASpareGoesIntoASpare() {
        ByteBuf spare = alloc.directBuffer(1024);
        spares.giveBack(spare);
        RecvByteBufAllocator.ExtendedHandle handle = handle(64, 512, 4096);

        ByteBuf read = handle.allocate(alloc);

        assertThat(read).isSameAs(spare);
        assertThat(read.writableBytes()).isEqualTo(1024);
        read.release();
    }

    @Test
    void withNoSpareLeftAReadGetsANewBufferOfTheSpareSize() {
        RecvByteBufAllocator.ExtendedHandle handle = handle(64, 512, 4096);

        ByteBuf read = handle.allocate(alloc);

        assertThat(read.capacity()).isEqualTo(1024);
        spares.recycle(read);
        assertThat(spares.size()).isEqualTo(1);
    }

    @Test
    void aReadSizedAboveASpareGoesIntoARecycledLargeBufferWhoseMemoryComesBack() {
        spares.giveBack(alloc.directBuffer(1024));
        RecvByteBufAllocator.ExtendedHandle handle = handle(64, 4096, 65536);

        ByteBuf read = handle.allocate(alloc);

        assertThat(read.capacity()).isEqualTo(8192);
        assertThat(read.writableBytes()).isEqualTo(8192);
        assertThat(spares.size()).isEqualTo(1);
        ByteBuf slice = read.retainedSlice(0, 0);
        read.release();
        assertThat(large.kept()).as("still held by a slice").isZero();
        slice.release();
        assertThat(large.kept()).isEqualTo(1);
    }

    @Test
    void aReadSizedAboveALargeBufferIsLeftToTheWrappedAllocator() {
        RecvByteBufAllocator.ExtendedHandle handle = handle(64, 16384, 65536);

        ByteBuf read = handle.allocate(alloc);

        assertThat(read.capacity()).isEqualTo(16384);
        read.release();
        assertThat(large.kept()).isZero();
    }

    @Test
    void aLargeReadWithHeadroomGoesIntoARecycledLargeBuffer() {
        ByteBuf read = headroomHandle(4096, 2048).allocate(alloc);

        assertThat(read.capacity()).isEqualTo(8192);
        assertThat(read.readerIndex()).isEqualTo(512);
        read.release();
        assertThat(large.kept()).isEqualTo(1);
    }

    @Test
    void theWrappedAllocatorStillSizesTheReads() {
        RecvByteBufAllocator.ExtendedHandle handle = handle(64, 512, 65536);
        assertThat(handle.guess()).isEqualTo(512);

        // Reads that fill what was asked for make the next guess larger, as without the spares.
        for (int i = 0; i < 3; i++) {
            handle.reset(new DefaultChannelConfig(new EmbeddedChannel()));
            handle.attemptedBytesRead(handle.guess());
            handle.lastBytesRead(handle.guess());
            handle.incMessagesRead(1);
            handle.readComplete();
        }

        assertThat(handle.guess()).isGreaterThan(1024);
        assertThat(handle.lastBytesRead()).isEqualTo(handle.attemptedBytesRead());
    }

    @Test
    void aLongReadShortOfItsBufferIsFollowedByAnotherBeforeTheLoopPolls() {
        RecvByteBufAllocator.ExtendedHandle handle = headroomHandle(65536, 1024);
        handle.attemptedBytesRead(65536);
        handle.lastBytesRead(65483); // a segment of a large value, just short of the buffer
        handle.incMessagesRead(1);

        assertThat(handle.continueReading(() -> false)).isTrue();
    }

    @Test
    void aShortReadShortOfItsBufferEndsTheReadsAsNettyDecides() {
        RecvByteBufAllocator.ExtendedHandle handle = headroomHandle(65536, 1024);
        handle.attemptedBytesRead(65536);
        handle.lastBytesRead(ReadBufferAllocator.READ_AGAIN_AFTER - 1);
        handle.incMessagesRead(1);

        assertThat(handle.continueReading(() -> false)).isFalse();
    }

    @Test
    void longReadsStopAtTheirLimitPerPoll() {
        RecvByteBufAllocator.ExtendedHandle handle = headroomHandle(65536, 1024);
        for (int i = 0; i < ReadBufferAllocator.MAX_LONG_READS; i++) {
            assertThat(handle.continueReading(() -> false)).as("before read %d", i).isEqualTo(i > 0);
            handle.attemptedBytesRead(65536);
            handle.lastBytesRead(65483);
            handle.incMessagesRead(1);
        }

        assertThat(handle.continueReading(() -> false)).isFalse();
    }

    @Test
    void aReadWithHeadroomStartsThatFarIntoABufferLargerByIt() {
        ByteBuf read = headroomHandle(2048, 4096).allocate(alloc);

        assertThat(read.readerIndex()).isEqualTo(512);
        assertThat(read.writerIndex()).isEqualTo(512);
        assertThat(read.writableBytes()).isGreaterThanOrEqualTo(2048);
        read.release();
    }

    @Test
    void headroomMustBePositive() {
        RecvByteBufAllocator sizing = new AdaptiveRecvByteBufAllocator();
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ReadBufferAllocator.withHeadroom(sizing, 0, large, 4096))
                .withMessageContaining("(was: 0)");
    }
}
