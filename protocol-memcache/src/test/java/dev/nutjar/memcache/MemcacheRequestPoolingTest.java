package dev.nutjar.memcache;

import static dev.nutjar.memcache.Feeder.ascii;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Requests come from a per-thread pool and hold their input buffer and an index instead of a view. */
class MemcacheRequestPoolingTest {

    private final MemcacheRequestParser parser = new MemcacheRequestParser();

    private MemcacheRequest parseAll(String text) {
        ByteBuf in = Unpooled.copiedBuffer(ascii(text));
        try {
            return parser.parse(in);
        } finally {
            in.release();
        }
    }

    @Test
    void aReleasedRequestIsResetAndHandedOutAgain() {
        MemcacheRequest set = parseAll("set k 0 0 1 noreply\r\nx\r\n");
        set.release();

        assertThat(set.refCnt()).isZero();
        assertThat(set.frameSource()).as("no reference to the input").isNull();
        assertThat(set.frame()).isNull();
        assertThat(set.command()).isNull();
        assertThat(set.keyCount()).isZero();
        assertThat(set.noreply()).isFalse();
        assertThat(set.hasData()).isFalse();
        assertThat(set.dataLength()).isEqualTo(-1);

        MemcacheRequest error = parseAll("bogus\r\n");
        assertThat(error).as("from the pool").isSameAs(set);
        assertThat(error.error()).isEqualTo(MemcacheError.UNKNOWN_COMMAND);
        assertThat(error.keyCount()).isZero();
        assertThat(error.noreply()).isFalse();
        assertThat(error.hasData()).isFalse();
        error.release();

        MemcacheRequest get = parseAll("get abc\r\n");
        assertThat(get).isSameAs(set);
        assertThat(get.isError()).isFalse();
        assertThat(get.toString()).isEqualTo("MemcacheRequest(get abc)");
        get.release();
    }

    @Test
    void theFrameIsTheBytesAtItsIndexInItsSource() {
        ByteBuf in = Unpooled.copiedBuffer(ascii("get a\r\nset key 0 0 2\r\nxy\r\n"));
        parser.parse(in).release();
        MemcacheRequest set = parser.parse(in);
        in.release();

        assertThat(set.frameSource()).isSameAs(in);
        assertThat(set.frameIndex()).isEqualTo(7);
        assertThat(set.frameLength()).isEqualTo(19);
        ByteBuf frame = set.frame();
        assertThat(frame.unwrap()).as("a view, not a copy").isSameAs(in);
        assertThat(set.frame()).as("made once").isSameAs(frame);
        assertThat(ByteBufUtil.equals(frame, in.slice(set.frameIndex(), set.frameLength()))).isTrue();
        assertThat(Feeder.text(set.key(0))).isEqualTo("key");
        byte[] key = new byte[MemcacheRequest.KEY_MAX_LENGTH];
        assertThat(new String(key, 0, set.copyKey(0, key, 0), java.nio.charset.StandardCharsets.US_ASCII))
                .isEqualTo("key");
        assertThat(Feeder.text(frame.slice(set.dataOffset(), set.dataLength()))).isEqualTo("xy");
        set.release();
        assertThat(in.refCnt()).isZero();
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void releasingTheRequestReleasesTheInput(boolean pooled) {
        ByteBuf in = (pooled ? PooledByteBufAllocator.DEFAULT : UnpooledByteBufAllocator.DEFAULT).directBuffer(16);
        in.writeBytes(ascii("delete k\r\n"));
        MemcacheRequest delete = parser.parse(in);
        assertThat(in.refCnt()).as("one reference for the request").isEqualTo(2);
        in.release();

        delete.retain();
        assertThat(delete.release()).isFalse();
        assertThat(in.refCnt()).isEqualTo(1);
        assertThat(delete.release()).isTrue();
        assertThat(in.refCnt()).isZero();
    }

    @Test
    void aPartialRequestHoldsNothing() {
        ByteBuf in = Unpooled.copiedBuffer(ascii("set k 0 0 10\r\nabc"));
        assertThat(parser.parse(in)).isNull();
        assertThat(in.refCnt()).isEqualTo(1);
        in.release();
        parser.reset();

        MemcacheRequest get = parseAll("get k\r\n");
        assertThat(get.command()).isEqualTo(MemcacheCommand.GET);
        get.release();
    }

    @Test
    void aMultiGetSentWholeKeepsItsKeysWhenTheRequestIsReused() {
        MemcacheRequest get = parseAll("get a bb ccc\r\n");
        MemcacheMultiGet multiGet = MemcacheMultiGet.split(get, new int[] {0, 0, 0}, UnpooledByteBufAllocator.DEFAULT);
        get.release();
        MemcacheRequest next = parseAll("get xxxx yyyyy zzzzzz\r\n");
        assertThat(next).isSameAs(get);

        MemcacheRequest fragment = multiGet.fragment(0);
        assertThat(Feeder.text(fragment.key(0)) + Feeder.text(fragment.key(1)) + Feeder.text(fragment.key(2)))
                .isEqualTo("abbccc");
        next.release();
        multiGet.release();
    }
}
