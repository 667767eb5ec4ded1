package dev.nutjar.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class BufferSettingsTest {

    @ParameterizedTest(name = "-m {0}")
    @CsvSource({
        // unit,   chunk, coalesce, max read
        "512,      512,   64,       4096",
        "16384,    16384, 1024,     65536",
        "16777216, 16777216, 1048576, 67108864",
    })
    void derivesEverySizeFromTheUnit(int unit, int chunk, int coalesceLimit, int maxRead) {
        assertThat(BufferSettings.forUnit(unit)).isEqualTo(new BufferSettings(chunk, coalesceLimit, maxRead));
    }

    @Test
    void theDefaultIsNutcrackersAndNettysOwnReadMaximum() {
        assertThat(BufferSettings.defaults()).isEqualTo(BufferSettings.forUnit(16384));
        assertThat(BufferSettings.defaults().maxReadSize()).isEqualTo(AdaptiveRecvByteBufAllocator.DEFAULT_MAXIMUM);
        assertThat(Proxy.Options.DEFAULT_MBUF_SIZE).isEqualTo(16384);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 511, 16_777_217})
    void refusesAUnitOutsideNutcrackersRange(int unit) {
        assertThatThrownBy(() -> BufferSettings.forUnit(unit))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("between 512 and 16777216");
    }

    @Test
    void refusesACoalesceLimitLargerThanTheChunk() {
        assertThatThrownBy(() -> new BufferSettings(64, 65, 4096)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void readsStartSmallAndAreBoundedByTheMaximum() {
        RecvByteBufAllocator.ExtendedHandle handle =
                (RecvByteBufAllocator.ExtendedHandle) new BufferSettings(512, 64, 4096).recvAllocator().newHandle();
        EmbeddedChannel channel = new EmbeddedChannel();
        handle.reset(channel.config());

        assertThat(handle.guess()).isEqualTo(2048);
        for (int i = 0; i < 10; i++) { // full reads: the guess grows, up to the maximum
            handle.reset(channel.config());
            handle.attemptedBytesRead(handle.guess());
            handle.lastBytesRead(handle.guess());
            handle.readComplete();
        }
        assertThat(handle.guess()).isEqualTo(4096);
        channel.finishAndReleaseAll();
    }

    @Test
    void aMaximumBelowTheInitialReadSizeIsAlsoTheFirstRead() {
        RecvByteBufAllocator.ExtendedHandle handle =
                (RecvByteBufAllocator.ExtendedHandle) new BufferSettings(512, 64, 1024).recvAllocator().newHandle();

        assertThat(handle.guess()).isEqualTo(1024);
    }
}
