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

    @AfterEach
    void releaseSpares() {
        spares.releaseAll();
    }

    private RecvByteBufAllocator.ExtendedHandle handle(int minimum, int initial, int maximum) {
        RecvByteBufAllocator sizing = new AdaptiveRecvByteBufAllocator(minimum, initial, maximum);
        RecvByteBufAllocator.ExtendedHandle handle = ReadBufferAllocator.intoSpares(sizing, spares).newHandle();
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
    void aReadSizedAboveASpareIsLeftToTheWrappedAllocator() {
        spares.giveBack(alloc.directBuffer(1024));
        RecvByteBufAllocator.ExtendedHandle handle = handle(64, 4096, 65536);

        ByteBuf read = handle.allocate(alloc);

        assertThat(read.capacity()).isEqualTo(4096);
        assertThat(spares.size()).isEqualTo(1);
        read.release();
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
    void aReadWithHeadroomStartsThatFarIntoABufferLargerByIt() {
        RecvByteBufAllocator sizing = new AdaptiveRecvByteBufAllocator(64, 2048, 65536);
        RecvByteBufAllocator.ExtendedHandle handle = ReadBufferAllocator.withHeadroom(sizing, 512).newHandle();
        handle.reset(new DefaultChannelConfig(new EmbeddedChannel()));

        ByteBuf read = handle.allocate(alloc);

        assertThat(read.readerIndex()).isEqualTo(512);
        assertThat(read.writerIndex()).isEqualTo(512);
        assertThat(read.writableBytes()).isGreaterThanOrEqualTo(2048);
        read.release();
    }

    @Test
    void headroomMustBePositive() {
        RecvByteBufAllocator sizing = new AdaptiveRecvByteBufAllocator();
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ReadBufferAllocator.withHeadroom(sizing, 0))
                .withMessageContaining("(was: 0)");
    }
}
