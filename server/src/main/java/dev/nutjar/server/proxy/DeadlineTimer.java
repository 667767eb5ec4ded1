package dev.nutjar.server.proxy;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One backend connection's timer: runs its expiry at the earliest deadline asked for, in the
 * loop's ticker's time. Loop thread only.
 */
final class DeadlineTimer {
    private final LoopState loop;
    private final Runnable expiry;
    private final Runnable fire = this::fire;
    private ScheduledFuture<?> timer;
    private long deadline;

    DeadlineTimer(LoopState loop, Runnable expiry) {
        this.loop = loop;
        this.expiry = expiry;
    }

    /** Makes sure the expiry runs by {@code deadline}: no new timer when one runs earlier. */
    void arm(long deadline) {
        if (timer != null && this.deadline <= deadline) {
            return;
        }
        if (timer != null) {
            timer.cancel(false);
        }
        this.deadline = deadline;
        long delay = Math.max(0, deadline - loop.ticker().nanoTime());
        timer = loop.loop.schedule(fire, delay, TimeUnit.NANOSECONDS);
    }

    private void fire() {
        timer = null;
        expiry.run();
    }

    void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
