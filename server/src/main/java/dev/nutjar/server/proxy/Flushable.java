package dev.nutjar.server.proxy;

/** A connection whose writes are flushed once per event-loop iteration by {@link LoopState}. */
abstract class Flushable {
    /** Set while queued in {@link LoopState}; read and written only on the loop thread. */
    boolean flushQueued;
    /** Set while held by {@link HeldFlushes} (cleared by any flush); loop thread only. */
    boolean flushHeld;
    /** The {@link HeldFlushes} tick count when last held; loop thread only. */
    int heldAtTick;

    /** Flushes what was written since the last flush. Called on the loop thread. */
    abstract void flushNow();
}
