package dev.nutjar.server;

import dev.nutjar.server.stats.PoolStat;
import dev.nutjar.server.stats.ServerStat;
import dev.nutjar.server.stats.Stat;
import java.io.PrintStream;

/**
 * {@code -D}: the stats of the stats port, with twemproxy 0.5's names and order, as the stats
 * tables {@link PoolStat} and {@link ServerStat} describe them.
 */
public final class StatsDescription {
    private StatsDescription() {}

    /** Prints the stats as {@code nutcracker -D} does: a name padded to 20 columns, then the quoted description. */
    public static void print(PrintStream out) {
        out.println("pool stats:");
        for (PoolStat stat : PoolStat.values()) {
            print(out, stat.stat());
        }
        out.println();
        out.println("server stats:");
        for (ServerStat stat : ServerStat.values()) {
            print(out, stat.stat());
        }
    }

    private static void print(PrintStream out, Stat stat) {
        if (stat.twemproxy()) {
            out.printf("  %-20s\"%s\"%n", stat.name(), stat.description());
        }
    }
}
