package dev.nutjar.server.proxy;

import io.netty.channel.ConnectTimeoutException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import javax.net.ssl.SSLException;

/** The reasons a forwarded request fails, as twemproxy words them in its error replies. */
final class FailureReasons {
    static final String TIMED_OUT = "Connection timed out";
    static final String SERVER_CLOSED = "Connection closed by server";
    static final String BAD_REPLY = "Invalid reply from server";
    static final String NO_LIVE_SERVER = "Connection refused: every server of the pool is ejected";
    static final String SHUTTING_DOWN = "proxy is shutting down";
    static final String TLS_FAILED = "TLS handshake with server failed";
    static final String MASTER_MOVED = "Connection closed: the master moved";
    static final String NOT_A_MASTER = "Server is not a master";
    static final String NOT_READ_ONLY = "Replica refused READONLY";
    static final String NO_MASTER_ADDRESS = "No sentinel knows the master's address yet";
    static final String NO_CLUSTER_MASTER = "no master of the cluster is known yet";

    private FailureReasons() {}

    /** The reason for a failed connection, in twemproxy's words where it has them. */
    static String of(Throwable cause) {
        if (cause instanceof ConnectTimeoutException) {
            return TIMED_OUT;
        }
        if (cause instanceof UnknownHostException || cause.getCause() instanceof UnknownHostException) {
            return "Host is down";
        }
        if (cause instanceof ConnectException) {
            return "Connection refused";
        }
        if (cause instanceof SSLException || cause.getCause() instanceof SSLException) {
            return TLS_FAILED;
        }
        if (cause instanceof ClosedChannelException) {
            return SERVER_CLOSED;
        }
        String message = cause.getMessage();
        if (cause instanceof IOException && message != null && message.contains("reset by peer")) {
            return "Connection reset by peer";
        }
        return message == null ? cause.getClass().getSimpleName() : message;
    }
}
