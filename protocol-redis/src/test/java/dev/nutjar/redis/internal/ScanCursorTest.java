package dev.nutjar.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ScanCursorTest {

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 7, 8, 9, 1000, 4096, 4097, 70_000, Integer.MAX_VALUE})
    void everyServerAndCursorThatFitsRoundTrips(int servers) {
        ScanCursor cursors = new ScanCursor(servers, 0x1234_5678_9abc_def0L);
        int serverBits = servers == 1 ? 0 : 32 - Integer.numberOfLeadingZeros(servers - 1);
        assertThat(cursors.cursorBits()).isEqualTo(48 - serverBits);
        long largest = (1L << cursors.cursorBits()) - 1;
        for (int server : new int[] {0, servers / 2, servers - 1}) {
            for (long serverCursor : new long[] {0, 1, 12345, largest}) {
                long cursor = cursors.encode(server, serverCursor);
                assertThat(cursors.server(cursor)).isEqualTo(server);
                assertThat(cursors.serverCursor(cursor)).isEqualTo(serverCursor);
                assertThat(cursor).as("never 0, which means done").isNotZero();
            }
        }
        assertThat(cursors.fits(largest)).isTrue();
        assertThat(cursors.fits(largest + 1)).isFalse();
        assertThatThrownBy(() -> cursors.encode(0, largest + 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void zeroStartsAtTheFirstServerAndTheLastServerEndsTheWalk() {
        ScanCursor cursors = new ScanCursor(3, 42);
        assertThat(cursors.server(0)).isZero();
        assertThat(cursors.serverCursor(0)).isZero();
        assertThat(cursors.next(0, 17)).isEqualTo(cursors.encode(0, 17));
        assertThat(cursors.next(0, 0)).isEqualTo(cursors.encode(1, 0));
        assertThat(cursors.next(2, 0)).isZero();
    }

    @Test
    void aCursorOfAnotherConfigurationIsRefused() {
        ScanCursor before = new ScanCursor(3, 0x0001_0002_0003_0004L);
        ScanCursor after = new ScanCursor(4, 0x7777_0002_0003_0004L);
        long cursor = before.encode(1, 99);
        assertThat(after.server(cursor)).isEqualTo(-1);
        // A server index beyond the pool's is refused too, and so is a cursor without the tag.
        assertThat(before.server(before.encode(2, 0) + (1L << before.cursorBits()))).isEqualTo(-1);
        assertThat(before.server(5)).isEqualTo(-1);
    }

    @Test
    void theTagIsNeverZero() {
        // A fingerprint that folds to 0 still tags its cursors, so a bare small number is not a cursor.
        ScanCursor cursors = new ScanCursor(1, 0);
        assertThat(cursors.encode(0, 5) >>> 48).isEqualTo(1);
        assertThat(cursors.server(5)).isEqualTo(-1);
    }

    @Test
    void cursorsAreUnsigned64BitDecimals() {
        assertThat(parse("0")).isZero();
        assertThat(parse("18446744073709551614")).isEqualTo(-2L);
        assertThat(parse("18446744073709551615")).isEqualTo(ScanCursor.INVALID);
        assertThat(parse("18446744073709551616")).isEqualTo(ScanCursor.INVALID);
        assertThat(parse("99999999999999999999")).isEqualTo(ScanCursor.INVALID);
        for (String bad : new String[] {"", "-1", "+1", " 1", "1x", "123456789012345678901"}) {
            assertThat(parse(bad)).as(bad).isEqualTo(ScanCursor.INVALID);
        }
        ScanCursor cursors = new ScanCursor(1000, -1L);
        long top = cursors.encode(999, (1L << cursors.cursorBits()) - 1);
        assertThat(parse(Long.toUnsignedString(top))).isEqualTo(top);
    }

    private static long parse(String text) {
        ByteBuf buf = Unpooled.copiedBuffer("x" + text, StandardCharsets.US_ASCII);
        try {
            return ScanCursor.parseUnsigned(buf, 1, text.length());
        } finally {
            buf.release();
        }
    }
}
