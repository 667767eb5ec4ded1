package dev.nutjar.server.proxy;

import io.netty.buffer.ByteBuf;

/** Whom a client's own backend connection (pub/sub, transaction, blocking command) reports to. */
interface DedicatedOwner {
    /**
     * A frame came that no request awaits: a pub/sub message or confirmation.
     *
     * @param source holds it at {@code index}; still the caller's, not retained
     */
    void pushed(BackendConnection connection, ByteBuf source, int index, int length);

    /**
     * The connection ended and will not be used again.
     *
     * @param unexpectedly whether the server or the network ended it, rather than the owner
     */
    void ended(BackendConnection connection, boolean unexpectedly);
}
