package dev.nutjar.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class KeyScratchTest {

    @Test
    void everyBufferKindCopiesTheKeyAndLeavesItsIndexes() {
        SplittableRandom random = new SplittableRandom(11);
        for (int i = 0; i < 300; i++) {
            byte[] key = new byte[random.nextInt(i % 3 == 0 ? 70_000 : 40)];
            random.nextBytes(key);
            ByteBuf heap = Unpooled.buffer(key.length + 10).writeZero(7).writeBytes(key).writeZero(3);
            ByteBuf direct = Unpooled.directBuffer(key.length + 2).writeZero(2).writeBytes(key);
            int half = key.length / 2;
            CompositeByteBuf composite = Unpooled.compositeBuffer()
                    .addComponent(true, Unpooled.directBuffer().writeZero(1).writeBytes(key, 0, half))
                    .addComponent(true, Unpooled.wrappedBuffer(key, half, key.length - half));
            try {
                assertThat(prefix(KeyScratch.copy(heap, 7, key.length), key.length)).isEqualTo(key);
                assertThat(prefix(KeyScratch.copy(direct, 2, key.length), key.length)).isEqualTo(key);
                assertThat(prefix(KeyScratch.copy(composite, 1, key.length), key.length)).isEqualTo(key);
                assertThat(direct.readerIndex()).isZero();
                assertThat(composite.readerIndex()).isZero();
            } finally {
                heap.release();
                direct.release();
                composite.release();
            }
        }
    }

    @Test
    void aThreadReusesItsArrayForKeysUpToTheRetainedLength() {
        ByteBuf key = Unpooled.wrappedBuffer(new byte[300]);
        byte[] first = KeyScratch.copy(key, 0, 300);
        assertThat(KeyScratch.copy(key, 0, 10)).isSameAs(first);
        assertThat(KeyScratch.get(KeyScratch.MAX_RETAINED + 1)).isNotSameAs(KeyScratch.get(1));
        assertThat(KeyScratch.get(1)).isSameAs(first);
    }

    @Test
    void copyingAKeyAllocatesNothing() {
        byte[] bytes = "user:{1234}:profile".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        // Wrapped NIO memory is not leak-tracked: at PARANOID, a tracked buffer records a stack per access.
        ByteBuf direct = Unpooled.wrappedBuffer(java.nio.ByteBuffer.allocateDirect(bytes.length).put(bytes).flip());
        assertThat(direct.hasArray()).isFalse();
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        int sink = 0;
        for (int i = 0; i < 50_000; i++) {
            sink += KeyScratch.copy(direct, 0, bytes.length)[i % bytes.length];
        }
        long fewest = Long.MAX_VALUE;
        // The fewest of three tries: a busy machine can leave compilation unfinished in one.
        for (int attempt = 0; attempt < 3; attempt++) {
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 10_000; i++) {
                sink += KeyScratch.copy(direct, 0, bytes.length)[i % bytes.length];
            }
            fewest = Math.min(fewest, threads.getCurrentThreadAllocatedBytes() - before);
        }
        assertThat(sink).isNotZero();
        // One allocation per call would be >= 160 KB; a few KB are the JIT's and the thread's own.
        assertThat(fewest).isLessThan(16 * 1024);
    }

    private static byte[] prefix(byte[] array, int length) {
        return Arrays.copyOf(array, length);
    }
}
