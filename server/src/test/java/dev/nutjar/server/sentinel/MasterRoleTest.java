package dev.nutjar.server.sentinel;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MasterRoleTest {
    private static String roleOf(String reply) {
        ByteBuf buf = Unpooled.copiedBuffer("xx" + reply, StandardCharsets.US_ASCII).skipBytes(2);
        try {
            String role = MasterRole.of(buf);
            assertThat(buf.readerIndex()).isEqualTo(2);
            return role;
        } finally {
            buf.release();
        }
    }

    @Test
    void readsTheRoleOfEachKindOfServer() {
        assertThat(roleOf("*3\r\n$6\r\nmaster\r\n:3129659\r\n*0\r\n")).isEqualTo("master");
        assertThat(roleOf("*5\r\n$5\r\nslave\r\n$9\r\n127.0.0.1\r\n:9001\r\n$9\r\nconnected\r\n:3167038\r\n"))
                .isEqualTo("slave");
        assertThat(roleOf("*2\r\n$8\r\nsentinel\r\n*0\r\n")).isEqualTo("sentinel");
    }

    @Test
    void saysNothingOfAReplyThatIsNotARole() {
        assertThat(roleOf("-NOPERM this user has no permissions to run the 'role' command\r\n")).isNull();
        assertThat(roleOf("*1\r\n:1\r\n")).isNull();
        assertThat(roleOf("*1\r\n$x\r\n")).isNull();
        assertThat(roleOf("*1\r\n$60\r\nmaster\r\n")).isNull();
        assertThat(roleOf("")).isNull();
    }

    @Test
    void knowsAReadOnlyErrorFromOthers() {
        ByteBuf buf = Unpooled.copiedBuffer("+OK\r\n-READONLY You can't write against a read only replica.\r\n"
                + "-ERR READONLY\r\n-READ\r\n", StandardCharsets.US_ASCII);
        try {
            assertThat(MasterRole.isReadOnlyError(buf, 0, 5)).isFalse();
            assertThat(MasterRole.isReadOnlyError(buf, 5, 56)).isTrue();
            assertThat(MasterRole.isReadOnlyError(buf, 61, 15)).isFalse();
            assertThat(MasterRole.isReadOnlyError(buf, 76, 7)).isFalse();
        } finally {
            buf.release();
        }
    }

    @Test
    void asksRoleInResp() {
        ByteBuf request = MasterRole.request(io.netty.buffer.ByteBufAllocator.DEFAULT);
        try {
            assertThat(request.toString(StandardCharsets.US_ASCII)).isEqualTo("*1\r\n$4\r\nROLE\r\n");
        } finally {
            request.release();
        }
    }
}
