package dev.nutjar.routing;

import dev.nutjar.spi.Named;
import java.util.List;

/**
 * How a pool spreads hashes over its servers: {@code ketama}, {@code modula}, {@code random}, or a
 * third party's, listed in {@code META-INF/services/dev.nutjar.routing.Distribution}.
 *
 * <p>A distribution builds an immutable {@link Selector} from the live servers of a pool. It is
 * rebuilt off the hot path whenever a server is ejected or returns.
 */
public interface Distribution extends Named {

    /**
     * Builds a selector over {@code liveServers}, given in the pool's sorted server order
     * (twemproxy's order: shorter name first, then bytewise).
     *
     * @param liveServers at least one server
     */
    Selector newSelector(List<ServerSpec> liveServers);

    /** Maps a key hash to a server. Immutable and thread-safe; allocates nothing per call. */
    @FunctionalInterface
    interface Selector {
        /**
         * @param hash the unsigned 32-bit key hash
         * @return an index into the list the selector was built from
         */
        int select(long hash);

        /**
         * Where {@link #select} may change its answer, for an exact comparison of two selectors
         * ({@link KeySpaceDiff}): the ascending starts of the hash ranges on which it is constant,
         * 0 first, when it is a function of the range alone (ketama); else null.
         *
         * @return a new array, or null
         */
        default long[] rangeStarts() {
            return null;
        }

        /**
         * When {@link #select} depends only on {@code hash % period} (modula): that period; else 0.
         * A selector with neither {@link #rangeStarts} nor a period (random) cannot be compared.
         *
         * @return the period, or 0
         */
        default long period() {
            return 0;
        }
    }
}
