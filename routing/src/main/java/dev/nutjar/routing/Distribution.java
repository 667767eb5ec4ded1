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
    }
}
