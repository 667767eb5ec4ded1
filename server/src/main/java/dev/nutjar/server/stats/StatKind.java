package dev.nutjar.server.stats;

/** How a stat behaves over time. */
public enum StatKind {
    /** Only grows, from process start. */
    COUNTER,
    /** Goes up and down: a current level. */
    GAUGE,
    /** A point in time, in microseconds since the epoch. */
    TIMESTAMP
}
