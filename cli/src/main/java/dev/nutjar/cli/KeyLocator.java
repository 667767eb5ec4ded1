package dev.nutjar.cli;

import dev.nutjar.routing.ServerSpec;
import dev.nutjar.server.config.PoolConfig;

/**
 * Finds the server of one pool that a key lives on, as the proxy would route it (hash tag, hash
 * function, distribution over all the pool's servers). {@code nutjar locate} asks it.
 */
@FunctionalInterface
public interface KeyLocator {

    /** The server {@code key} maps to. */
    ServerSpec locate(byte[] key);

    /** Builds the locator of a pool. */
    @FunctionalInterface
    interface Factory {
        /**
         * @throws RuntimeException with a message for the operator when the pool cannot be routed
         */
        KeyLocator forPool(PoolConfig pool);
    }
}
