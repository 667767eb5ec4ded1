package dev.nutjar.server.stats;

import static dev.nutjar.server.stats.Stat.own;

/**
 * The stats of the whole process rather than of a pool or a server, for {@code /metrics} and other
 * exporters; the stats JSON keeps twemproxy's layout and leaves them out.
 */
public enum ProcessStat {
    RELOADS(own("reloads", StatKind.COUNTER, "# configuration reloads applied")),
    RELOAD_FAILURES(own("reload_failures", StatKind.COUNTER,
            "# configuration reloads refused: invalid file, a listener not bound, or too many keys moving"));

    private final Stat stat;

    ProcessStat(Stat stat) {
        this.stat = stat;
    }

    /** Its name, kind and description. */
    public Stat stat() {
        return stat;
    }
}
