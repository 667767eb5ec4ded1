package dev.nutjar.server.config;

import java.util.List;
import java.util.Objects;

/**
 * A Sentinel pool's settings: the sentinels that say where each master is ({@code sentinels}) and
 * how often they are asked besides their {@code +switch-master} messages
 * ({@code sentinel_poll_interval}). The pool's servers are then named by their masters' Sentinel
 * names ({@code master_name:weight}).
 *
 * @param sentinels the sentinels as {@code host:port}, in file order; at least one
 * @param pollIntervalMillis how often every master's address is asked for; 0 for never (the
 *     {@code +switch-master} messages and {@code -READONLY} replies still make it ask)
 */
public record SentinelSettings(List<String> sentinels, int pollIntervalMillis) {
    /** {@code sentinel_poll_interval}'s default. */
    public static final int DEFAULT_POLL_INTERVAL_MILLIS = 1_000;

    public SentinelSettings {
        sentinels = List.copyOf(sentinels);
        if (sentinels.isEmpty()) {
            throw new IllegalArgumentException("a sentinel pool needs at least one sentinel");
        }
        if (pollIntervalMillis < 0) {
            throw new IllegalArgumentException("poll interval must be >= 0 (was: " + pollIntervalMillis + ")");
        }
        sentinels.forEach(Objects::requireNonNull);
    }

    /** For people: what a reload's log line shows. */
    @Override
    public String toString() {
        return sentinels + " polled every " + pollIntervalMillis + " ms";
    }
}
