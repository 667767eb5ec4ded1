package dev.nutjar.server.proxy;

import dev.nutjar.server.config.ConfigException;
import dev.nutjar.server.config.NutjarConfig;
import dev.nutjar.server.reload.ConfigDiff;
import dev.nutjar.server.reload.ReloadResult;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides a reload: reads the new configuration, diffs it against the running one, refuses it
 * when it is invalid or moves too many keys, has {@link ReloadSteps} apply it, and words and
 * counts the outcome. Keeps the configuration serving now.
 */
final class Reloader {
    /** Under Proxy's name, as before these lines moved here: log filters keep working. */
    private static final Logger log = LoggerFactory.getLogger(Proxy.class);

    private final ProxyServer server;
    private final PoolGenerations generations;
    private final Proxy.Options options;
    private final AtomicLong reloads = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private volatile NutjarConfig config;
    private volatile Proxy.ConfigSource source;

    Reloader(ProxyServer server, PoolGenerations generations, Proxy.Options options, NutjarConfig config) {
        this.server = server;
        this.generations = generations;
        this.options = options;
        this.config = config;
    }

    /** The configuration serving now: the last one a reload applied, or the one started with. */
    NutjarConfig config() {
        return config;
    }

    long reloads() {
        return reloads.get();
    }

    long failures() {
        return failures.get();
    }

    /** Where {@link #reload(boolean)} reads the configuration again. */
    void reloadFrom(Proxy.ConfigSource source) {
        this.source = source;
    }

    /** See {@link Proxy#reload(boolean)}. */
    ReloadResult reload(boolean force) {
        Proxy.ConfigSource from = source;
        if (from == null) {
            return refused(null, List.of("reload refused: the proxy was not started from a file"));
        }
        NutjarConfig next;
        try {
            next = from.load();
        } catch (ConfigException e) {
            List<String> lines = new ArrayList<>();
            for (String error : e.errors()) {
                lines.add(e.source() + ": " + error);
            }
            lines.add("reload refused: configuration '" + e.source() + "' has " + e.errors().size()
                    + " error(s); the running configuration is unchanged");
            return refused(null, lines);
        } catch (RuntimeException e) {
            return refused(null, List.of("reload refused: " + e + "; the running configuration is unchanged"));
        }
        return reload(next, force);
    }

    /** See {@link Proxy#reload(NutjarConfig, boolean)}. One reload at a time. */
    synchronized ReloadResult reload(NutjarConfig next, boolean force) {
        ConfigDiff diff;
        try {
            diff = ConfigDiff.between(config, next, options.hashes(), options.distributions());
        } catch (RuntimeException e) {
            return refused(null, List.of("reload refused: " + e.getMessage() + "; the running configuration is unchanged"));
        }
        List<String> lines = new ArrayList<>();
        for (ConfigDiff.PoolChange pool : diff.pools()) {
            if (pool.kind() != ConfigDiff.Kind.UNCHANGED) {
                for (String line : ConfigDiff.describe(pool)) {
                    lines.add("reload: " + line);
                    log.info("reload: {}", line);
                }
            }
        }
        List<ConfigDiff.PoolChange> over = diff.overGuard();
        if (!over.isEmpty() && !force) {
            List<String> names = over.stream().map(p -> p.name() + " (" + ConfigDiff.percent(p.movedFraction())
                    + " > max_move_fraction " + ConfigDiff.percent(p.after().maxMoveFraction()) + ")").toList();
            lines.add("reload refused: too many keys would move in " + String.join(", ", names)
                    + "; reload with --force to apply; the running configuration is unchanged");
            return refused(diff, lines);
        }
        try {
            new ReloadSteps(server, generations, diff, next).apply();
        } catch (IOException | RuntimeException e) {
            lines.add("reload refused: " + e.getMessage() + "; the running configuration is unchanged");
            return refused(diff, lines);
        }
        config = next;
        reloads.incrementAndGet();
        String outcome = diff.unchanged()
                ? "reload done: nothing changed"
                : "reload done: " + count(diff, ConfigDiff.Kind.CHANGED) + " pool(s) changed, "
                        + count(diff, ConfigDiff.Kind.ADDED) + " added, " + count(diff, ConfigDiff.Kind.REMOVED)
                        + " removed, " + count(diff, ConfigDiff.Kind.UNCHANGED) + " unchanged";
        log.info(outcome);
        lines.add(outcome);
        return new ReloadResult(true, Optional.of(diff), lines);
    }

    private static long count(ConfigDiff diff, ConfigDiff.Kind kind) {
        return diff.pools().stream().filter(p -> p.kind() == kind).count();
    }

    private ReloadResult refused(ConfigDiff diff, List<String> lines) {
        failures.incrementAndGet();
        // A diff's lines were logged as found; errors of the file were not.
        List<String> unlogged = diff == null ? lines : lines.subList(lines.size() - 1, lines.size());
        unlogged.forEach(log::error);
        return new ReloadResult(false, Optional.ofNullable(diff), lines);
    }
}
