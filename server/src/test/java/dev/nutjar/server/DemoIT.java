package dev.nutjar.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code nutjar demo} starts real servers behind the proxy, reports the shards, and cleans up. */
class DemoIT {
    @Test
    void startsServesAndCleansUp() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CountDownLatch stop = new CountDownLatch(1);
        DemoCommand demo = new DemoCommand(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), stop);
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try {
            Future<Integer> status = executor.submit(demo::run);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!out.toString(StandardCharsets.UTF_8).contains("Press Ctrl-C") && !status.isDone()
                    && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            String text = out.toString(StandardCharsets.UTF_8);
            assertThat(text).as("stderr: %s", err.toString(StandardCharsets.UTF_8)).contains("Press Ctrl-C");
            assertThat(text).contains("redis-cli -p ").contains("user:1").contains("-> redis");
            assertThat(text).doesNotContain("write failed");
            Matcher config = Pattern.compile("configuration: (\\S+)\\)").matcher(text);
            assertThat(config.find()).isTrue();
            Path dir = Path.of(config.group(1)).getParent();
            assertThat(dir).exists();

            stop.countDown();
            assertThat(status.get(30, TimeUnit.SECONDS)).isZero();
            assertThat(Files.exists(dir)).as("demo files removed").isFalse();
        } finally {
            stop.countDown();
            executor.shutdownNow();
        }
    }
}
