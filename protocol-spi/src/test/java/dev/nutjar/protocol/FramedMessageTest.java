package dev.nutjar.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.IllegalReferenceCountException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class FramedMessageTest {

    private static final class Message extends FramedMessage<Message> {
        int deallocations;

        static Message over(ByteBuf in, int index, int length) {
            Message message = new Message();
            message.open(in.retain(), index, length);
            return message;
        }

        @Override
        protected void deallocated() {
            deallocations++;
        }
    }

    private static ByteBuf input(String text) {
        return Unpooled.directBuffer().writeBytes(text.getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void holdsItsBytesInPlaceAndMakesOneViewWhenAsked() {
        ByteBuf in = input("xxGET keyyy");
        Message message = Message.over(in, 2, 7);

        assertThat(message.frameSource()).isSameAs(in);
        assertThat(message.frameIndex()).isEqualTo(2);
        assertThat(message.frameLength()).isEqualTo(7);
        assertThat(message.frame().toString(StandardCharsets.US_ASCII)).isEqualTo("GET key");
        assertThat(message.frame()).isSameAs(message.frame());
        assertThat(in.refCnt()).isEqualTo(2);

        message.release();
        in.release();
    }

    @Test
    void releasingTheLastReferenceReleasesTheInputOnceAndTellsTheSubclass() {
        ByteBuf in = input("GET key");
        Message message = Message.over(in, 0, 7);

        assertThat(message.retain()).isSameAs(message);
        assertThat(message.release()).isFalse();
        assertThat(message.deallocations).isZero();
        assertThat(message.release()).isTrue();

        assertThat(message.deallocations).isOne();
        assertThat(in.refCnt()).isOne();
        assertThat(message.frameSource()).isNull();
        assertThat(message.frame()).isNull();
        assertThatThrownBy(message::release).isInstanceOf(IllegalReferenceCountException.class);
        assertThatThrownBy(message::retain).isInstanceOf(IllegalReferenceCountException.class);
        in.release();
    }

    @Test
    void aReopenedMessageStartsAfresh() {
        ByteBuf first = input("one");
        ByteBuf second = input("two!");
        Message message = Message.over(first, 0, 3);
        message.frame();
        message.release();

        message.open(second.retain(), 1, 3);

        assertThat(message.refCnt()).isOne();
        assertThat(message.frame().toString(StandardCharsets.US_ASCII)).isEqualTo("wo!");
        message.release();
        assertThat(first.release()).isTrue();
        assertThat(second.release()).isTrue();
    }

    @Test
    void discardingAMessageWithoutBytesDeallocatesIt() {
        Message message = new Message();
        message.open();
        message.discard();

        assertThat(message.deallocations).isOne();
        assertThat(message.refCnt()).isZero();
    }

    @Test
    void countsMustBePositiveAndSayWhatTheyWere() {
        ByteBuf in = input("x");
        Message message = Message.over(in, 0, 1);
        assertThatIllegalArgumentException().isThrownBy(() -> message.retain(0)).withMessageContaining("0");
        assertThatIllegalArgumentException().isThrownBy(() -> message.release(-1)).withMessageContaining("-1");
        assertThatThrownBy(() -> message.release(2)).isInstanceOf(IllegalReferenceCountException.class);
        message.release();
        in.release();
    }
}
