package dev.nutjar.server.proxy;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.Test;

class CumulateTest {
    private final UnpooledByteBufAllocator alloc = new UnpooledByteBufAllocator(true);

    private ByteBuf bytes(String text) {
        return alloc.directBuffer().writeBytes(text.getBytes(US_ASCII));
    }

    /** A read of {@code text} that starts {@code headroom} bytes into its buffer. */
    private ByteBuf readWithHeadroom(int headroom, String text) {
        ByteBuf read = alloc.directBuffer(headroom + 64).setIndex(headroom, headroom);
        return read.writeBytes(text.getBytes(US_ASCII));
    }

    @Test
    void withNothingCarriedTheReadIsTheInput() {
        ByteBuf in = bytes("+OK\r\n");

        assertThat(Cumulation.cumulate(alloc, null, in)).isSameAs(in);
        in.release();
    }

    @Test
    void aCutMessageIsPutInTheHeadroomInFrontOfTheNextRead() {
        ByteBuf carried = bytes("xx$5\r\nhel");
        carried.skipBytes(2);
        ByteBuf in = readWithHeadroom(16, "lo\r\n+OK\r\n");

        ByteBuf all = Cumulation.cumulate(alloc, carried, in);

        assertThat(all).isSameAs(in);
        assertThat(all.toString(US_ASCII)).isEqualTo("$5\r\nhello\r\n+OK\r\n");
        assertThat(carried.refCnt()).isZero();
        all.release();
    }

    @Test
    void moreThanTheHeadroomIsCopiedTheUsualWay() {
        ByteBuf carried = bytes("$5\r\nhel");
        ByteBuf in = readWithHeadroom(4, "lo\r\n");

        ByteBuf all = Cumulation.cumulate(alloc, carried, in);

        assertThat(all).isSameAs(carried);
        assertThat(all.toString(US_ASCII)).isEqualTo("$5\r\nhello\r\n");
        assertThat(in.refCnt()).isZero();
        all.release();
    }

    @Test
    void theHeadroomIsNotUsedWhileSomethingElseHoldsTheRead() {
        ByteBuf carried = bytes("$5\r\nhel");
        ByteBuf in = readWithHeadroom(16, "STREAMEDlo\r\n");
        // The front of the read went out as a retained slice (a streamed reply), still queued.
        ByteBuf streamed = in.readRetainedSlice(8);

        ByteBuf all = Cumulation.cumulate(alloc, carried, in);

        assertThat(streamed.toString(US_ASCII)).isEqualTo("STREAMED");
        assertThat(all.toString(US_ASCII)).isEqualTo("$5\r\nhello\r\n");
        streamed.release();
        all.release();
        assertThat(in.refCnt()).isZero();
    }

    @Test
    void aCumulationStillHeldByARequestIsNotWrittenTo() {
        ByteBuf carried = bytes("*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPI");
        carried.skipBytes(14);
        carried.retain(); // a request still holds the first 14 bytes
        ByteBuf in = bytes("NG\r\n");

        ByteBuf all = Cumulation.cumulate(alloc, carried, in);

        assertThat(all).isNotSameAs(carried);
        assertThat(all.toString(US_ASCII)).isEqualTo("*1\r\n$4\r\nPING\r\n");
        assertThat(carried.refCnt()).isEqualTo(1);
        assertThat(carried.toString(0, 14, US_ASCII)).isEqualTo("*1\r\n$4\r\nPING\r\n");
        carried.release();
        all.release();
    }
}
