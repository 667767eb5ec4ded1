package dev.nutjar.server.tls;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Says in one log line why a TLS handshake failed (wrong CA, expired certificate, wrong name,
 * plain text on a TLS port, no client certificate) and closes the connection. Sits right after the
 * {@code SslHandler}; stateless, so one per pool and side.
 */
@ChannelHandler.Sharable
public final class TlsHandshakeLog extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(TlsHandshakeLog.class);

    private final String peerDescription;

    /** @param peerDescription who is at the other end: {@code client of pool 'x'} */
    public TlsHandshakeLog(String peerDescription) {
        this.peerDescription = peerDescription;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent done && !done.isSuccess()) {
            log.warn("TLS handshake with {} {} failed: {}", peerDescription, ctx.channel().remoteAddress(),
                    reason(done.cause()));
            ctx.close();
        }
        ctx.fireUserEventTriggered(evt);
    }

    /** The innermost cause, which says what was wrong; never the bytes a plain-text peer sent. */
    static String reason(Throwable failure) {
        Throwable cause = failure;
        while (cause.getCause() != null && cause.getCause() != cause) {
            if (cause instanceof NotSslRecordException) {
                break;
            }
            cause = cause.getCause();
        }
        if (cause instanceof NotSslRecordException) {
            return "not a TLS record (plain text on a TLS port?)";
        }
        String message = cause.getMessage();
        return message == null ? cause.getClass().getSimpleName() : message;
    }
}
