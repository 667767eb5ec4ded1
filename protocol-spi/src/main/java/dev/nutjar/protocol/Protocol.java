package dev.nutjar.protocol;

import dev.nutjar.spi.Named;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * A wire protocol the proxy speaks: {@code redis}, {@code memcache}, or a third party's, listed in
 * {@code META-INF/services/dev.nutjar.protocol.Protocol}.
 *
 * <p>It has the shape of twemproxy's own protocol table: parse request, parse reply, fragment,
 * coalesce, local replies, failure replies, and what to send on a fresh backend connection. The
 * proxy drives it; the protocol never sees a socket.
 */
public interface Protocol extends Named {

    /** A request decoder for one client connection. It keeps that connection's state (e.g. AUTH). */
    ClientCodec newClientCodec(ProtocolSettings settings);

    /**
     * A request decoder for the client connection {@code client}, for a protocol that describes the
     * connection to its client; the others need not override it.
     */
    default ClientCodec newClientCodec(ProtocolSettings settings, ClientConnection client) {
        return newClientCodec(settings);
    }

    /** A reply decoder for one backend connection. */
    ServerCodec newServerCodec(ProtocolSettings settings);

    /**
     * The reply a client gets for a request that failed at or before the backend, in the
     * protocol's error form ({@code -ERR <reason>} or {@code SERVER_ERROR <reason>}).
     *
     * @return a new buffer the caller owns
     */
    ByteBuf failureReply(ByteBufAllocator alloc, String reason);

    /**
     * The names of the commands a request's {@link Request#command()} indexes: a fixed, bounded
     * list, so that per-command metrics never take a label from what a client sent.
     *
     * @return the command names, lower case; empty when the protocol keeps no such list
     */
    default java.util.List<String> commands() {
        return java.util.List.of();
    }

    /**
     * How the protocol words sessions ({@link SessionRole}), or null (the default) when its
     * clients have none.
     */
    default SessionCodec sessionCodec() {
        return null;
    }
}
