package dev.nutjar.server.proxy;

import dev.nutjar.protocol.PoolView;
import io.netty.buffer.ByteBuf;

/**
 * The servers a request for each server of a pool ({@code DBSIZE}, {@code SCAN} ...) goes over, as one
 * event loop sees them when it sends the request: a ring pool's servers, a cluster pool's masters.
 * The protocol numbers the servers by {@link #view()}; {@link #send} takes the same numbers.
 */
interface FanOutServers {

    /** The servers as the protocol sees them: how many, their names, the fingerprint of what they hold. */
    PoolView view();

    /**
     * Sends a fragment whose reply completes {@code exchange} to server {@code server} of {@link #view()}.
     *
     * @param frame taken over
     */
    void send(int server, Exchange exchange, ByteBuf frame);

    /** A ring pool's servers: the protocol's server index is the upstream's. */
    record ByIndex(PoolView view, Upstream upstream) implements FanOutServers {
        @Override
        public void send(int server, Exchange exchange, ByteBuf frame) {
            upstream.send(server, exchange, frame);
        }
    }
}
