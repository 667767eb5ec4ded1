package dev.nutjar.server;

import dev.nutjar.server.stats.PoolStat;
import dev.nutjar.server.stats.ServerStat;
import dev.nutjar.server.stats.Stat;
import dev.nutjar.server.stats.StatKind;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

/**
 * The metrics of the stats port, with twemproxy 0.5's names and order, as {@code -D} describes
 * them: the twemproxy lines of the stats tables {@link PoolStat} and {@link ServerStat}.
 */
public final class StatsDescription {
    private StatsDescription() {}

    /** How a metric behaves over time. */
    public enum Kind {
        /** Only grows, from process start. */
        COUNTER,
        /** Goes up and down: a current level. */
        GAUGE,
        /** A point in time, in microseconds since the epoch. */
        TIMESTAMP;

        static Kind of(StatKind kind) {
            return valueOf(kind.name());
        }
    }

    /** One metric: its name in the stats JSON, its kind and what it counts. */
    public record Metric(String name, Kind kind, String description) {
        static Metric of(Stat stat) {
            return new Metric(stat.name(), Kind.of(stat.kind()), stat.description());
        }
    }

    /** Per pool, in the order of the stats JSON. */
    public static final List<Metric> POOL_METRICS = Arrays.stream(PoolStat.values())
            .map(PoolStat::stat).filter(Stat::twemproxy).map(Metric::of).toList();

    /** Per server, in the order of the stats JSON. */
    public static final List<Metric> SERVER_METRICS = Arrays.stream(ServerStat.values())
            .map(ServerStat::stat).filter(Stat::twemproxy).map(Metric::of).toList();

    /** Prints the metrics as {@code nutcracker -D} does: a name padded to 20 columns, then the quoted description. */
    public static void print(PrintStream out) {
        out.println("pool stats:");
        POOL_METRICS.forEach(metric -> print(out, metric));
        out.println();
        out.println("server stats:");
        SERVER_METRICS.forEach(metric -> print(out, metric));
    }

    private static void print(PrintStream out, Metric metric) {
        out.printf("  %-20s\"%s\"%n", metric.name(), metric.description());
    }
}
