package dev.nutjar.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SpareBuffersTest {
    private final UnpooledByteBufAllocator alloc = new UnpooledByteBufAllocator(true);

    @Test
    void aBufferGivenBackIsTakenAgainEmpty() {
        SpareBuffers spares = new SpareBuffers(64);
        ByteBuf buffer = spares.take(alloc, 64).writeLong(42);

        spares.giveBack(buffer);
        ByteBuf again = spares.take(alloc, 64);

        assertThat(again).isSameAs(buffer);
        assertThat(again.readableBytes()).isZero();
        assertThat(again.writableBytes()).isEqualTo(64);
        again.release();
    }

    @Test
    void aSpareOfAnotherSizeIsReleasedNotHandedOut() {
        SpareBuffers spares = new SpareBuffers(64);
        ByteBuf small = alloc.directBuffer(32);
        spares.giveBack(small);

        ByteBuf taken = spares.take(alloc, 64);

        assertThat(taken).isNotSameAs(small);
        assertThat(taken.capacity()).isEqualTo(64);
        assertThat(small.refCnt()).isZero();
        taken.release();
    }

    @Test
    void keepsAtMostAMegabyteOfChunksAndReleasesTheRest() {
        int chunk = 256 * 1024;
        SpareBuffers spares = new SpareBuffers(chunk);
        List<ByteBuf> buffers = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            buffers.add(alloc.directBuffer(chunk));
        }

        buffers.forEach(spares::giveBack);

        assertThat(spares.size()).isEqualTo(4);
        assertThat(buffers).extracting(ByteBuf::refCnt).containsExactly(1, 1, 1, 1, 0, 0);
        spares.releaseAll();
        assertThat(buffers).extracting(ByteBuf::refCnt).containsOnly(0);
    }

    @Test
    void afterReleaseAllWhatIsGivenBackIsReleased() {
        SpareBuffers spares = new SpareBuffers(64);
        spares.releaseAll();
        ByteBuf late = alloc.directBuffer(64);

        spares.giveBack(late);

        assertThat(late.refCnt()).isZero();
        assertThat(spares.size()).isZero();
    }

    @Test
    void aRecycledBufferOfTheSpareSizeThatNobodyElseHoldsIsKept() {
        SpareBuffers spares = new SpareBuffers(64);
        ByteBuf read = alloc.directBuffer(64).writeInt(7);
        read.skipBytes(4);

        spares.recycle(read);

        assertThat(read.refCnt()).isEqualTo(1);
        assertThat(spares.take(alloc, 64)).isSameAs(read);
        read.release();
    }

    @Test
    void aRecycledBufferStillHeldElsewhereIsOnlyReleasedOnce() {
        SpareBuffers spares = new SpareBuffers(64);
        ByteBuf read = alloc.directBuffer(64);
        read.retain(); // a request still holds it

        spares.recycle(read);

        assertThat(read.refCnt()).isEqualTo(1);
        assertThat(spares.size()).isZero();
        read.release();
    }

    @Test
    void aRecycledBufferOfAnotherSizeOrOnTheHeapIsReleased() {
        SpareBuffers spares = new SpareBuffers(64);
        ByteBuf grown = alloc.directBuffer(128);
        ByteBuf heap = alloc.heapBuffer(64);

        spares.recycle(grown);
        spares.recycle(heap);

        assertThat(grown.refCnt()).isZero();
        assertThat(heap.refCnt()).isZero();
        assertThat(spares.size()).isZero();
    }
}
