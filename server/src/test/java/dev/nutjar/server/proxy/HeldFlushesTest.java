package dev.nutjar.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.channel.embedded.EmbeddedChannel;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HeldFlushesTest {
    private static final long PERIOD = TimeUnit.MICROSECONDS.toNanos(500);

    private EmbeddedChannel channel;
    private HeldFlushes held;

    @BeforeEach
    void frozenLoop() {
        channel = new EmbeddedChannel();
        channel.freezeTime();
        held = new HeldFlushes(channel.eventLoop(), PERIOD);
    }

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    /** Moves the loop's clock on by {@code nanos} and runs what is due. */
    private void elapse(long nanos) {
        channel.advanceTimeBy(nanos, TimeUnit.NANOSECONDS);
        channel.runScheduledPendingTasks();
    }

    @Test
    void aHeldFlushWaitsAtLeastOnePeriodAndAtMostTwo() {
        CountingClient early = new CountingClient();
        CountingClient late = new CountingClient();
        held.hold(early); // at the start of a period
        elapse(PERIOD - 1);
        held.hold(late); // at its end
        elapse(1);
        assertThat(early.flushes).as("one period gone: not yet due").isZero();
        elapse(PERIOD - 1);
        assertThat(early.flushes).isZero();
        elapse(1);
        assertThat(early.flushes).as("two periods gone").isEqualTo(1);
        assertThat(late.flushes).as("one period and a nanosecond gone").isEqualTo(1);
        assertThat(early.flushHeld()).isFalse();
        elapse(10 * PERIOD);
        assertThat(early.flushes).as("flushed once").isEqualTo(1);
        assertThat(late.flushes).isEqualTo(1);
    }

    @Test
    void aClientFlushedMeanwhileIsNotFlushedAgainByTheTimer() {
        CountingClient client = new CountingClient();
        held.hold(client);
        client.flushedByItsLastReply();
        elapse(3 * PERIOD);
        assertThat(client.flushes).isEqualTo(1);
    }

    @Test
    void aClientHeldAgainAfterAFlushWaitsItsFullTimeAgain() {
        CountingClient client = new CountingClient();
        held.hold(client);
        elapse(PERIOD);
        client.flushedByItsLastReply();
        held.hold(client); // its next pipeline, while the first hold is still listed
        elapse(PERIOD);
        assertThat(client.flushes).as("the first hold's tick must not end the second").isEqualTo(1);
        elapse(PERIOD);
        assertThat(client.flushes).isEqualTo(2);
    }

    @Test
    void holdingAClientTwiceFlushesItOnce() {
        CountingClient client = new CountingClient();
        held.hold(client);
        held.hold(client);
        elapse(2 * PERIOD);
        assertThat(client.flushes).isEqualTo(1);
    }

    @Test
    void theTimerRunsOnlyWhileFlushesAreHeld() {
        assertThat(held.timerRunning()).isFalse();
        held.hold(new CountingClient());
        assertThat(held.timerRunning()).isTrue();
        elapse(2 * PERIOD);
        for (int tick = 1; tick < HeldFlushes.IDLE_TICKS; tick++) {
            elapse(PERIOD);
        }
        assertThat(held.timerRunning()).as("one idle tick short").isTrue();
        elapse(PERIOD);
        assertThat(held.timerRunning()).isFalse();
        CountingClient client = new CountingClient();
        held.hold(client);
        assertThat(held.timerRunning()).as("started again").isTrue();
        elapse(2 * PERIOD);
        assertThat(client.flushes).isEqualTo(1);
    }

    @Test
    void aPeriodMustBePositive() {
        assertThatThrownBy(() -> new HeldFlushes(channel.eventLoop(), 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("periodNanos must be positive: 0");
    }

    private static final class CountingClient extends Flushable {
        int flushes;

        @Override
        void flushNow() {
            flushes++;
        }

        /** What LoopState's flush does for a client whose last due reply came. */
        void flushedByItsLastReply() {
            heldAtTick = NOT_HELD;
            flushNow();
        }
    }
}
