package dev.nutjar.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SentRequestsTest {
    private final UnpooledByteBufAllocator alloc = new UnpooledByteBufAllocator(true);

    @Test
    void theOldestRequestIsCopiedBackAsItWasSentFromTheMiddleOfItsInput() {
        SentRequests sent = new SentRequests(64);
        ByteBuf input = ascii("xx*1\r\n$4\r\nPING\r\nyy");
        sent.add(input, 2, 14);
        ByteBuf next = ascii("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
        sent.add(next, 0, 20);
        next.release();

        assertThat(text(sent.copyOldest(14, alloc))).isEqualTo("*1\r\n$4\r\nPING\r\n");
        sent.dropOldest(14);
        assertThat(text(sent.copyOldest(20, alloc))).isEqualTo("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
        assertThat(input.refCnt()).isEqualTo(1);
        input.release();
    }

    @Test
    void aLongRequestIsKeptAsAViewOfItsInputUntilDropped() {
        SentRequests sent = new SentRequests(8);
        ByteBuf input = Unpooled.directBuffer(64).writeBytes("short!".getBytes(StandardCharsets.US_ASCII))
                .writeBytes("a request longer than eight".getBytes(StandardCharsets.US_ASCII));
        sent.add(input, 0, 6);
        sent.add(input, 6, 27);
        input.release();

        assertThat(sent.views()).isEqualTo(1);
        sent.dropOldest(6);
        assertThat(text(sent.copyOldest(27, alloc))).isEqualTo("a request longer than eight");
        assertThat(input.refCnt()).isEqualTo(1);
        sent.dropOldest(27);
        assertThat(input.refCnt()).isZero();
        assertThat(sent.views()).isZero();
    }

    @Test
    void manyRequestsInFlightGrowTheCopyAndAnsweredOnesMakeRoomAgain() {
        SentRequests sent = new SentRequests(64);
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < 1000; i++) {
                ByteBuf request = ascii(String.format("request %04d", i));
                sent.add(request, 0, 12);
                request.release();
                if (i % 3 == 2) {
                    sent.dropOldest(12);
                }
            }
            String oldest = String.format("request %04d", 333);
            assertThat(text(sent.copyOldest(12, alloc))).isEqualTo(oldest);
            for (int i = 333; i < 1000; i++) {
                assertThat(text(sent.copyOldest(12, alloc))).isEqualTo(String.format("request %04d", i));
                sent.dropOldest(12);
            }
            assertThat(sent.copiedBytes()).isZero();
        }
    }

    @Test
    void clearReleasesTheViewsAndForgetsTheCopies() {
        SentRequests sent = new SentRequests(4);
        ByteBuf input = ascii("abcdefghij");
        sent.add(input, 0, 3);
        sent.add(input, 0, 10);

        sent.clear();

        assertThat(sent.copiedBytes()).isZero();
        assertThat(sent.views()).isZero();
        assertThat(input.refCnt()).isEqualTo(1);
        input.release();
    }

    private static ByteBuf ascii(String s) {
        return Unpooled.directBuffer(s.length()).writeBytes(s.getBytes(StandardCharsets.US_ASCII));
    }

    /** @param buf released */
    private static String text(ByteBuf buf) {
        try {
            return buf.toString(StandardCharsets.US_ASCII);
        } finally {
            buf.release();
        }
    }
}
