package dev.nutjar.server.proxy;

import io.netty.buffer.ByteBuf;

/**
 * A request the proxy adds to a connection of its own accord (MULTI or DISCARD in a transaction,
 * ASKING before a request a cluster node redirected with -ASK):
 * its reply, or its failure, concerns no client and is dropped.
 */
final class DroppedReply extends Exchange {
    DroppedReply() {
        super(0);
    }

    @Override
    void replied(ByteBuf reply) {
        reply.release();
    }

    @Override
    void replied(ByteBuf source, int index, int length) {
    }

    @Override
    void failed(String reason) {
    }
}
