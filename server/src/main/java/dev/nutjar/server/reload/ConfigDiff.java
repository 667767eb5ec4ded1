package dev.nutjar.server.reload;

import dev.nutjar.hash.HashFunction;
import dev.nutjar.routing.Distribution;
import dev.nutjar.routing.KeySpaceDiff;
import dev.nutjar.routing.ServerPool;
import dev.nutjar.routing.ServerSpec;
import dev.nutjar.server.config.NutjarConfig;
import dev.nutjar.server.config.PoolConfig;
import dev.nutjar.spi.ProviderRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * What changes, pool by pool, from one configuration to the next: the settings that differ, and
 * for a pool whose ring changes, which share of its key space moves to other servers
 * ({@link KeySpaceDiff}). What a reload logs and {@code nutjar diff} prints.
 */
public final class ConfigDiff {
    /** What happens to a pool. */
    public enum Kind { UNCHANGED, CHANGED, ADDED, REMOVED }

    /**
     * One pool's change.
     *
     * @param name the pool's name
     * @param kind what happens to it
     * @param before its configuration now, null when added
     * @param after its configuration next, null when removed
     * @param changes one line per setting that differs, for people
     * @param keys the key space that moves, null unless the pool's ring changes
     */
    public record PoolChange(String name, Kind kind, PoolConfig before, PoolConfig after, List<String> changes,
            KeySpaceDiff keys) {
        /** Whether servers, weights, hash, hash tag or distribution differ: keys may move. */
        public boolean ringChanged() {
            return keys != null;
        }

        /** Whether the pool's protocol changes: its clients cannot stay; it is replaced as removed and added. */
        public boolean protocolChanged() {
            return kind == Kind.CHANGED && before.redis() != after.redis();
        }

        /** Whether backend connections must be made anew: AUTH, SELECT or their number differ. */
        public boolean newConnections() {
            return kind == Kind.CHANGED && (!Objects.equals(before.redisAuth(), after.redisAuth())
                    || before.redisDb() != after.redisDb() || before.serverConnections() != after.serverConnections()
                    || !Objects.equals(before.redisUsername(), after.redisUsername())
                    || !Objects.equals(before.redisServerAuth(), after.redisServerAuth())
                    || !Objects.equals(before.serverTls(), after.serverTls())
                    || !Objects.equals(before.serverOptions(), after.serverOptions()));
        }

        /** Whether the pool listens elsewhere: the new address is opened before the old one closes. */
        public boolean listenChanged() {
            return kind == Kind.CHANGED && !before.listen().equals(after.listen());
        }

        /** The share of the key space that moves: 0 when the ring does not change. */
        public double movedFraction() {
            return keys == null ? 0 : keys.movedFraction();
        }

        /** Whether more keys move than the new {@code max_move_fraction} allows. */
        public boolean exceedsGuard() {
            return keys != null && after.maxMoveFraction() < PoolConfig.NO_MOVE_LIMIT
                    && keys.movedFraction() > after.maxMoveFraction();
        }
    }

    private final List<PoolChange> pools;

    private ConfigDiff(List<PoolChange> pools) {
        this.pools = List.copyOf(pools);
    }

    /** Compares {@code before} with {@code after}, names resolved in the given registries. */
    public static ConfigDiff between(NutjarConfig before, NutjarConfig after, ProviderRegistry<HashFunction> hashes,
            ProviderRegistry<Distribution> distributions) {
        List<PoolChange> changes = new ArrayList<>();
        for (PoolConfig next : after.poolsInFileOrder()) {
            PoolConfig now = before.pool(next.name()).orElse(null);
            if (now == null) {
                changes.add(new PoolChange(next.name(), Kind.ADDED, null, next,
                        List.of("added, listening on " + next.listen() + " with " + next.servers().size()
                                + " server(s)"), null));
                continue;
            }
            List<String> lines = settingChanges(now, next);
            KeySpaceDiff keys = null;
            if (ringDiffers(now, next)) {
                ServerPool a = now.routing(hashes, distributions).build();
                ServerPool b = next.routing(hashes, distributions).build();
                keys = KeySpaceDiff.between(a, b);
            }
            changes.add(new PoolChange(next.name(), lines.isEmpty() ? Kind.UNCHANGED : Kind.CHANGED, now, next,
                    lines, keys));
        }
        for (PoolConfig now : before.poolsInFileOrder()) {
            if (after.pool(now.name()).isEmpty()) {
                changes.add(new PoolChange(now.name(), Kind.REMOVED, now, null,
                        List.of("removed: stops listening on " + now.listen()
                                + "; its clients close after their last reply"), null));
            }
        }
        return new ConfigDiff(changes);
    }

    /** Every pool of either configuration: those of the new one in file order, then the removed. */
    public List<PoolChange> pools() {
        return pools;
    }

    /** The pool called {@code name}, if either configuration has it. */
    public java.util.Optional<PoolChange> pool(String name) {
        return pools.stream().filter(p -> p.name().equals(name)).findFirst();
    }

    /** The pools whose change moves more keys than their {@code max_move_fraction}. */
    public List<PoolChange> overGuard() {
        return pools.stream().filter(PoolChange::exceedsGuard).toList();
    }

    /** Whether nothing at all changes. */
    public boolean unchanged() {
        return pools.stream().allMatch(p -> p.kind() == Kind.UNCHANGED);
    }

    private static boolean ringDiffers(PoolConfig a, PoolConfig b) {
        return !a.servers().equals(b.servers()) || !a.hash().equals(b.hash())
                || !Objects.equals(a.hashTag(), b.hashTag()) || !a.distribution().equals(b.distribution());
    }

    private static List<String> settingChanges(PoolConfig a, PoolConfig b) {
        List<String> lines = new ArrayList<>();
        setting(lines, "listen", a.listen(), b.listen());
        setting(lines, "redis", a.redis(), b.redis());
        setting(lines, "hash", a.hash(), b.hash());
        setting(lines, "hash_tag", a.hashTag(), b.hashTag());
        setting(lines, "distribution", a.distribution(), b.distribution());
        setting(lines, "timeout", a.timeoutMillis(), b.timeoutMillis());
        setting(lines, "backlog", a.backlog(), b.backlog());
        setting(lines, "client_connections", a.clientConnections(), b.clientConnections());
        setting(lines, "tcpkeepalive", a.tcpKeepalive(), b.tcpKeepalive());
        if (!Objects.equals(a.redisAuth(), b.redisAuth())) {
            lines.add("redis_auth changes (new server connections)");
        }
        setting(lines, "redis_db", a.redisDb(), b.redisDb());
        setting(lines, "preconnect", a.preconnect(), b.preconnect());
        setting(lines, "auto_eject_hosts", a.autoEjectHosts(), b.autoEjectHosts());
        setting(lines, "server_connections", a.serverConnections(), b.serverConnections());
        setting(lines, "server_retry_timeout", a.serverRetryTimeoutMillis(), b.serverRetryTimeoutMillis());
        setting(lines, "server_failure_limit", a.serverFailureLimit(), b.serverFailureLimit());
        setting(lines, "max_move_fraction", a.maxMoveFraction(), b.maxMoveFraction());
        setting(lines, "sentinels", a.sentinel(), b.sentinel());
        setting(lines, "allow_commands", new java.util.TreeSet<>(a.allowCommands()),
                new java.util.TreeSet<>(b.allowCommands()));
        for (ServerSpec server : b.servers()) {
            ServerSpec old = a.servers().stream().filter(o -> KeySpaceDiff.sameServer(o, server)).findFirst()
                    .orElse(null);
            if (old == null) {
                lines.add("server added: " + server.entry());
            } else if (old.weight() != server.weight()) {
                lines.add("server " + server.name() + ": weight " + old.weight() + " -> " + server.weight());
            }
        }
        for (ServerSpec server : a.servers()) {
            if (b.servers().stream().noneMatch(n -> KeySpaceDiff.sameServer(n, server))) {
                lines.add("server removed: " + server.entry());
            }
        }
        if (lines.isEmpty() && !a.servers().equals(b.servers())) {
            lines.add("servers reordered");
        }
        return lines;
    }

    private static void setting(List<String> lines, String key, Object a, Object b) {
        if (!Objects.equals(a, b)) {
            lines.add(key + " " + a + " -> " + b);
        }
    }

    /**
     * The lines {@code nutjar diff} prints and a reload logs for {@code pool}: what changes, and
     * which share of the key space moves from which server to which.
     */
    public static List<String> describe(PoolChange pool) {
        List<String> out = new ArrayList<>();
        String head = "pool '" + pool.name() + "': " + pool.kind().name().toLowerCase(Locale.ROOT);
        out.add(head);
        for (String change : pool.changes()) {
            out.add("  " + change);
        }
        KeySpaceDiff keys = pool.keys();
        if (keys == null) {
            if (pool.kind() == Kind.CHANGED) {
                out.add("  no key changes server (the ring is the same)");
            }
            return out;
        }
        if (!keys.exact()) {
            out.add("  every key may move: " + keys.inexactReason().orElse("no exact answer"));
            return out;
        }
        out.add(String.format(Locale.ROOT,
                "  %s of the key space changes server (%d of 2^32 hashes; keys map to hashes by the hash tag and %s)",
                percent(keys.movedFraction()), keys.movedHashes(), pool.after().hash()));
        for (var move : keys.movesByName().entrySet()) {
            out.add(String.format(Locale.ROOT, "    %-9s %s", percent((double) move.getValue() / KeySpaceDiff.HASH_SPACE),
                    move.getKey()));
        }
        if (pool.exceedsGuard()) {
            out.add(String.format(Locale.ROOT, "  more than max_move_fraction %s: a reload is refused unless forced",
                    percent(pool.after().maxMoveFraction())));
        }
        return out;
    }

    /** {@code 0.0909} as {@code 9.0909%}. */
    public static String percent(double fraction) {
        return String.format(Locale.ROOT, "%.4f%%", fraction * 100);
    }
}
