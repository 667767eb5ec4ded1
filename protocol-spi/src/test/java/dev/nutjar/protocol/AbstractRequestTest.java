package dev.nutjar.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.util.IllegalReferenceCountException;
import org.junit.jupiter.api.Test;

class AbstractRequestTest {

    /** A pooled-style request: made empty, then wrapped; counts its deallocations. */
    private static final class Wrapper extends AbstractRequest {
        int deallocations;

        @Override
        protected void deallocated() {
            deallocations++;
        }

        @Override
        public Action action() {
            return Action.FORWARD;
        }

        @Override
        public ByteBuf localReply(ByteBufAllocator alloc) {
            return null;
        }

        @Override
        public boolean closeAfterReply() {
            return false;
        }

        @Override
        public boolean expectsReply() {
            return true;
        }

        @Override
        public ByteBuf frame() {
            return null;
        }

        @Override
        public int keyCount() {
            return 0;
        }

        @Override
        public ByteBuf keyBuffer(int i) {
            return null;
        }

        @Override
        public int keyIndex(int i) {
            return 0;
        }

        @Override
        public int keyLength(int i) {
            return 0;
        }
    }

    @Test
    void sharesTheWrappedCountAndIsToldOnceItReachesZero() {
        ByteBuf parsed = Unpooled.buffer(4);
        Wrapper request = new Wrapper();
        request.wrap(parsed);

        request.retain();
        assertThat(parsed.refCnt()).isEqualTo(2);
        assertThat(request.release()).isFalse();
        assertThat(request.deallocations).isZero();
        assertThat(request.release()).isTrue();

        assertThat(parsed.refCnt()).isZero();
        assertThat(request.deallocations).isOne();
        assertThat(request.refCnt()).isZero();
        assertThatThrownBy(request::release).isInstanceOf(IllegalReferenceCountException.class);
        assertThatThrownBy(request::retain).isInstanceOf(IllegalReferenceCountException.class);
        assertThat(request.deallocations).isOne();
    }

    @Test
    void canBeWrappedAgainAfterwards() {
        Wrapper request = new Wrapper();
        request.wrap(Unpooled.buffer(4));
        request.release();
        ByteBuf next = Unpooled.buffer(4);
        request.wrap(next);

        assertThat(request.refCnt()).isOne();
        request.release();
        assertThat(next.refCnt()).isZero();
        assertThat(request.deallocations).isEqualTo(2);
    }
}
