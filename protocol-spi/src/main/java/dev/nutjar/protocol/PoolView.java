package dev.nutjar.protocol;

import java.util.Map;

/**
 * What a request sent to several servers of a pool ({@link Request.Action#FAN_OUT}) may know of the
 * pool: its servers in ring order, a fingerprint of their configuration, which opt-in commands it
 * allows, and facts about the proxy for an {@code INFO}-like reply. Immutable per pool generation,
 * except {@link #facts()}, which is read when asked.
 */
public interface PoolView {

    /** The pool's name, the top-level key of its configuration. */
    String name();

    /** How many servers the pool has; server indexes run from 0, in ring order. */
    int serverCount();

    /** Server {@code server}'s name, for error texts ({@code redis-2} or {@code 127.0.0.1:6380}). */
    String serverName(int server);

    /**
     * A hash of what decides which server index holds which data (the servers' addresses in ring
     * order, the database): equal for two generations only when the same index means the same data.
     */
    long fingerprint();

    /**
     * Whether the pool's configuration enables {@code command}, one of the commands refused unless
     * enabled (Redis {@code keys}, {@code flushdb}, {@code flushall}).
     *
     * @param command the command's name in lower case
     */
    boolean allows(String command);

    /**
     * Facts about the proxy and the pool as name/value pairs in a stable order
     * ({@code nutjar_version}, {@code uptime_in_seconds}, {@code pool}, {@code servers}, ...).
     */
    Map<String, String> facts();
}
