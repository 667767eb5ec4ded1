package dev.nutjar.redis;

import static dev.nutjar.redis.Codec.bytes;
import static dev.nutjar.redis.Codec.command;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RedisLocalRepliesTest {

    @Test
    void constantReplies() {
        assertThat(text(RedisLocalReply.PONG)).isEqualTo("+PONG\r\n");
        assertThat(text(RedisLocalReply.OK)).isEqualTo("+OK\r\n");
        assertThat(text(RedisLocalReply.NOAUTH)).isEqualTo("-NOAUTH Authentication required.\r\n");
        assertThat(text(RedisLocalReply.WRONGPASS))
                .isEqualTo("-WRONGPASS invalid username-password pair or user is disabled.\r\n");
        assertThat(text(RedisLocalReply.AUTH_NOT_CONFIGURED)).isEqualTo("-ERR AUTH <password> called without any "
                + "password configured for the default user. Are you sure your configuration is correct?\r\n");
    }

    @Test
    void sharedBuffersAreReadOnlyViewsThatNeedNoRelease() {
        ByteBuf first = RedisLocalReply.PONG.buffer();
        ByteBuf second = RedisLocalReply.PONG.buffer();
        first.skipBytes(3);
        assertThat(second.readableBytes()).isEqualTo(7);
        assertThat(first.isReadOnly()).isTrue();
        assertThatThrownBy(() -> second.setByte(0, 'x')).isInstanceOf(Exception.class);
        assertThat(first.release()).isFalse();
        assertThat(RedisLocalReply.PONG.buffer().readableBytes()).isEqualTo(RedisLocalReply.PONG.size());
    }

    @Test
    void writeTo() {
        ByteBuf out = Unpooled.buffer();
        RedisLocalReply.OK.writeTo(out);
        RedisLocalReply.PONG.writeTo(out);
        assertThat(Codec.string(out)).isEqualTo("+OK\r\n+PONG\r\n");
        out.release();
    }

    @Test
    void errorReplies() {
        ByteBuf error = RedisReplies.error(ByteBufAllocator.DEFAULT, "ERR bad\r\nthing \u00e9");
        assertThat(error.toString(StandardCharsets.ISO_8859_1)).isEqualTo("-ERR bad  thing \u00e9\r\n");
        error.release();
        ByteBuf failure = RedisReplies.backendFailure(ByteBufAllocator.DEFAULT, "Connection refused");
        assertThat(Codec.string(failure)).isEqualTo("-ERR Connection refused\r\n");
        failure.release();
        ByteBuf out = Unpooled.buffer();
        RedisReplies.writeError(out, RedisReplies.INVALID_ARGUMENT);
        RedisReplies.writeInteger(out, -42);
        RedisReplies.writeInteger(out, Long.MIN_VALUE);
        RedisReplies.writeInteger(out, Long.MAX_VALUE);
        RedisReplies.writeInteger(out, 0);
        assertThat(Codec.string(out)).isEqualTo("-ERR Invalid argument\r\n:-42\r\n:-9223372036854775808\r\n"
                + ":9223372036854775807\r\n:0\r\n");
        out.release();
    }

    @Test
    void withoutAPasswordEveryoneIsAuthenticated() {
        RedisAuth auth = RedisAuth.none();
        assertThat(auth.isRequired()).isFalse();
        assertThat(auth.refuses(RedisCommand.GET, false)).isFalse();
        withRequest(command("AUTH", "x"), request ->
                assertThat(auth.authenticate(request)).isEqualTo(RedisLocalReply.AUTH_NOT_CONFIGURED));
    }

    @Test
    void withAPassword() {
        byte[] password = bytes("s3cret");
        RedisAuth auth = RedisAuth.password(password);
        password[0] = 'X';
        assertThat(auth.isRequired()).isTrue();
        assertThat(auth.refuses(RedisCommand.GET, false)).isTrue();
        assertThat(auth.refuses(RedisCommand.PING, false)).isTrue();
        assertThat(auth.refuses(RedisCommand.MGET, false)).isTrue();
        assertThat(auth.refuses(RedisCommand.AUTH, false)).isFalse();
        assertThat(auth.refuses(RedisCommand.QUIT, false)).isFalse();
        assertThat(auth.refuses(RedisCommand.GET, true)).isFalse();
        withRequest(command("AUTH", "s3cret"), request ->
                assertThat(auth.authenticate(request)).isEqualTo(RedisLocalReply.OK));
        withRequest(command("auth", "s3cre"), request ->
                assertThat(auth.authenticate(request)).isEqualTo(RedisLocalReply.WRONGPASS));
        withRequest(command("AUTH", "s3cret "), request ->
                assertThat(auth.authenticate(request)).isEqualTo(RedisLocalReply.WRONGPASS));
        withRequest(command("AUTH", "S3CRET"), request ->
                assertThat(auth.authenticate(request)).isEqualTo(RedisLocalReply.WRONGPASS));
        withRequest(command("GET", "s3cret"), request ->
                assertThatThrownBy(() -> auth.authenticate(request)).isInstanceOf(IllegalArgumentException.class));
    }

    @Test
    void backendHandshakeSendsAuthBeforeSelect() {
        RedisBackendHandshake both = RedisBackendHandshake.of(bytes("pw"), 3);
        assertThat(both.replyCount()).isEqualTo(2);
        assertThat(text(both)).isEqualTo("*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n*2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n");
        assertThat(text(RedisBackendHandshake.of(bytes("pw"), 0))).isEqualTo("*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n");
        assertThat(text(RedisBackendHandshake.of(null, 15))).isEqualTo("*2\r\n$6\r\nSELECT\r\n$2\r\n15\r\n");
        assertThat(text(RedisBackendHandshake.of(bytes("app"), bytes("pw"), 0)))
                .isEqualTo("*3\r\n$4\r\nAUTH\r\n$3\r\napp\r\n$2\r\npw\r\n");
        assertThatThrownBy(() -> RedisBackendHandshake.of(bytes("app"), null, 0))
                .isInstanceOf(IllegalArgumentException.class);
        RedisBackendHandshake none = RedisBackendHandshake.of(null, 0);
        assertThat(none.isEmpty()).isTrue();
        assertThat(none.size()).isZero();
        assertThat(both.isEmpty()).isFalse();
        assertThatThrownBy(() -> RedisBackendHandshake.of(null, -1)).isInstanceOf(IllegalArgumentException.class);
    }

    private static String text(RedisBackendHandshake handshake) {
        ByteBuf buf = handshake.toBuffer(ByteBufAllocator.DEFAULT);
        String text = Codec.string(buf);
        buf.release();
        ByteBuf out = Unpooled.buffer();
        handshake.writeTo(out);
        assertThat(Codec.string(out)).isEqualTo(text);
        assertThat(handshake.size()).isEqualTo(text.length());
        out.release();
        return text;
    }

    private static String text(RedisLocalReply reply) {
        ByteBuf buf = reply.buffer();
        assertThat(buf.readableBytes()).isEqualTo(reply.size());
        return Codec.string(buf);
    }

    private static void withRequest(String input, java.util.function.Consumer<RedisRequest> check) {
        ByteBuf in = Unpooled.copiedBuffer(bytes(input));
        RedisRequest request = new RedisRequestParser().parse(in);
        try {
            check.accept(request);
        } finally {
            request.release();
            in.release();
        }
        assertThat(in.refCnt()).isZero();
    }
}
