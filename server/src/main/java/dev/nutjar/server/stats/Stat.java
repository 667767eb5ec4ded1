package dev.nutjar.server.stats;

/**
 * One line of a stats table ({@link PoolStat}, {@link ServerStat}).
 *
 * @param name the name in the stats JSON and {@code -D}
 * @param description what it counts, as {@code -D} prints it
 * @param twemproxy whether twemproxy has it: it is in the stats JSON and {@code -D}, in table order
 * @param counted whether the event loops count it; else the pool's routing knows it
 */
public record Stat(String name, StatKind kind, String description, boolean twemproxy, boolean counted) {
    /** A stat of twemproxy's that the event loops count. */
    static Stat twemproxy(String name, StatKind kind, String description) {
        return new Stat(name, kind, description, true, true);
    }

    /** A stat of twemproxy's that the pool's routing knows. */
    static Stat fromRouting(String name, StatKind kind, String description) {
        return new Stat(name, kind, description, true, false);
    }

    /** A stat of the proxy's own, left out of the stats JSON. */
    static Stat own(String name, StatKind kind, String description) {
        return new Stat(name, kind, description, false, true);
    }
}
