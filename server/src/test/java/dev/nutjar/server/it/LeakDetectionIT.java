package dev.nutjar.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The leak check of the integration tests sees a leak: a buffer dropped without release is reported. */
class LeakDetectionIT {

    @Test
    void aDroppedBufferIsReported() throws Exception {
        String marker = LeakRecorder.DELIBERATE + "-" + System.nanoTime();
        leak(marker);

        List<String> reports = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (reports.stream().noneMatch(r -> r.contains(marker)) && System.nanoTime() < deadline) {
            reports.addAll(NoLeaks.flush());
        }

        assertThat(reports).anySatisfy(report -> assertThat(report).contains(marker));
        assertThat(reports).allSatisfy(report -> assertThat(report).contains(marker));
    }

    private static void leak(String marker) {
        ByteBuf buf = ByteBufAllocator.DEFAULT.directBuffer(64);
        buf.touch(marker);
        buf.writeLong(42);
    }
}
