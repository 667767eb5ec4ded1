package dev.nutjar.server.proxy;

/** A connection whose writes are flushed once per event-loop iteration by {@link LoopState}. */
abstract class Flushable {
    /** Set while queued in {@link LoopState}; read and written only on the loop thread. */
    boolean flushQueued;
    /** {@link #heldAtTick} of a connection not held. */
    static final long NOT_HELD = -1;
    /**
     * The {@link HeldFlushes} tick count when the connection was held, while it is; else
     * {@link #NOT_HELD}: any flush ends a hold. Loop thread only.
     */
    long heldAtTick = NOT_HELD;

    boolean flushHeld() {
        return heldAtTick != NOT_HELD;
    }

    /** Flushes what was written since the last flush. Called on the loop thread. */
    abstract void flushNow();
}
