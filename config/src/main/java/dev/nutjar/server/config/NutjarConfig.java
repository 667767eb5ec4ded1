package dev.nutjar.server.config;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A whole configuration file: its pools, validated, with twemproxy's defaults filled in.
 *
 * @param source where it came from (a file name), for messages
 * @param pools the pools in twemproxy's order, {@link #POOL_ORDER}: the order of the stats output
 * @param poolsInFileOrder the same pools in the order the file lists them
 * @param admin the admin port's address ({@code nutjar_admin}), or null when the file sets none
 */
public record NutjarConfig(String source, List<PoolConfig> pools, List<PoolConfig> poolsInFileOrder,
        ListenAddress admin) {

    /**
     * twemproxy's pool order: a shorter name first, names of equal length bytewise. So pool
     * {@code beta} comes before {@code alpha}.
     */
    public static final Comparator<PoolConfig> POOL_ORDER =
            Comparator.comparing(PoolConfig::name, NutjarConfig::compareNames);

    public NutjarConfig {
        Objects.requireNonNull(source, "source");
        pools = List.copyOf(pools);
        poolsInFileOrder = List.copyOf(poolsInFileOrder);
        if (pools.isEmpty()) {
            throw new IllegalArgumentException("a configuration needs at least one pool");
        }
        if (!new HashSet<>(pools).equals(new HashSet<>(poolsInFileOrder))
                || pools.size() != poolsInFileOrder.size()) {
            throw new IllegalArgumentException("pools and poolsInFileOrder must hold the same pools");
        }
        Set<String> names = new HashSet<>();
        for (PoolConfig pool : pools) {
            if (!names.add(pool.name())) {
                throw new IllegalArgumentException("two pools are called '" + pool.name() + "'");
            }
        }
    }

    /** A configuration without an admin port. */
    public NutjarConfig(String source, List<PoolConfig> pools, List<PoolConfig> poolsInFileOrder) {
        this(source, pools, poolsInFileOrder, null);
    }

    /** A configuration of {@code poolsInFileOrder}, sorted into twemproxy's order. */
    public static NutjarConfig of(String source, List<PoolConfig> poolsInFileOrder) {
        return new NutjarConfig(source, poolsInFileOrder.stream().sorted(POOL_ORDER).toList(), poolsInFileOrder);
    }

    /** This configuration with the admin port on {@code admin} (null: none). */
    public NutjarConfig withAdmin(ListenAddress admin) {
        return new NutjarConfig(source, pools, poolsInFileOrder, admin);
    }

    /** The admin port's address, when the file sets one. */
    public Optional<ListenAddress> adminAddress() {
        return Optional.ofNullable(admin);
    }

    /** The pool called {@code name}, or empty. */
    public Optional<PoolConfig> pool(String name) {
        return pools.stream().filter(pool -> pool.name().equals(name)).findFirst();
    }

    /** The pool names in twemproxy's order. */
    public List<String> poolNames() {
        return pools.stream().map(PoolConfig::name).toList();
    }

    static int compareNames(String a, String b) {
        byte[] x = a.getBytes(StandardCharsets.UTF_8);
        byte[] y = b.getBytes(StandardCharsets.UTF_8);
        return x.length != y.length ? Integer.compare(x.length, y.length) : Arrays.compareUnsigned(x, y);
    }
}
