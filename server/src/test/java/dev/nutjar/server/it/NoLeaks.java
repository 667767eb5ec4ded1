package dev.nutjar.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.util.ResourceLeakDetector;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class when Netty reported a leaked buffer while it ran. Runs after the class's own
 * {@code @AfterAll} methods (which close the proxy), collects garbage and allocates a few buffers
 * so that the detector polls its queue, then asserts that no leak was reported.
 *
 * <p>Refuses to run when the recording detector is not installed: a leak check that cannot see
 * leaks must not pass.
 */
public final class NoLeaks implements BeforeAllCallback, AfterAllCallback {

    @Override
    public void beforeAll(ExtensionContext context) {
        assertThat(ResourceLeakDetector.getLevel())
                .as("tests run with -Dio.netty.leakDetection.level=paranoid")
                .isEqualTo(ResourceLeakDetector.Level.PARANOID);
        Unpooled.buffer(1).release(); // builds the ByteBuf detector if nothing has yet
        assertThat(LeakRecorder.installed())
                .as("-Dio.netty.customResourceLeakDetector=" + LeakRecorder.class.getName() + " is set")
                .isTrue();
        List<String> earlier = LeakRecorder.takeLeaks();
        assertThat(earlier).as("leaks reported before " + context.getDisplayName()).isEmpty();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        List<String> leaks = flush();
        assertThat(leaks).as("buffers leaked by " + context.getDisplayName()).isEmpty();
    }

    /** Makes the detector report what is already unreachable, and returns every report taken. */
    static List<String> flush() throws InterruptedException {
        for (int round = 0; round < 5; round++) {
            System.gc();
            Thread.sleep(20);
            for (int i = 0; i < 20; i++) {
                // Every tracked allocation polls the detector's queue of collected buffers.
                ByteBuf heap = ByteBufAllocator.DEFAULT.heapBuffer(8);
                ByteBuf direct = ByteBufAllocator.DEFAULT.directBuffer(8);
                heap.release();
                direct.release();
                Unpooled.buffer(8).release();
            }
        }
        return LeakRecorder.takeLeaks();
    }
}
