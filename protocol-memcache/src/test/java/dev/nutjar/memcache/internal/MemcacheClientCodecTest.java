package dev.nutjar.memcache.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nutjar.memcache.MemcacheCommand;
import dev.nutjar.protocol.ProtocolSettings;
import dev.nutjar.protocol.Request;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** What the proxy asks of each request the client codec gives it. */
class MemcacheClientCodecTest {

    private static Request decode(String text) {
        ByteBuf in = Unpooled.copiedBuffer(text, StandardCharsets.US_ASCII);
        try {
            Request request = new MemcacheClientCodec(ProtocolSettings.defaults()).decode(in);
            assertThat(in.isReadable()).isFalse();
            return request;
        } finally {
            in.release();
        }
    }

    /** The proxy takes every request's reply kind on arrival, even one it answers itself. */
    @Test
    void everyRequestHasAReplyKindEvenAnUnknownCommand() {
        for (String text : new String[] {"bogus\r\n", "\r\n", "GET k\r\n"}) {
            Request request = decode(text);
            try {
                assertThat(request.action()).isEqualTo(Request.Action.LOCAL);
                assertThat(request.replyKind()).isZero();
                ByteBuf reply = request.localReply(ByteBufAllocator.DEFAULT);
                assertThat(reply.toString(StandardCharsets.US_ASCII)).isEqualTo("ERROR\r\n");
                reply.release();
            } finally {
                request.release();
            }
        }
    }

    @Test
    void aForwardedRequestsReplyKindIsItsCommand() {
        Request get = decode("get k\r\n");
        Request delete = decode("delete k noreply\r\n");
        try {
            assertThat(get.replyKind()).isEqualTo(MemcacheCommand.GET.ordinal());
            assertThat(delete.replyKind()).isEqualTo(MemcacheCommand.DELETE.ordinal());
            assertThat(delete.expectsReply()).isFalse();
        } finally {
            get.release();
            delete.release();
        }
    }
}
