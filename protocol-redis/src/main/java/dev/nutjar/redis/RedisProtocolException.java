package dev.nutjar.redis;

/**
 * The bytes are not valid RESP. The connection they came from cannot be resynchronised and must
 * be closed: a client first gets {@code -ERR <message>}, e.g.
 * {@code -ERR Protocol error: invalid multibulk length}, as Redis does.
 *
 * <p>Thrown by the parsers without a stack trace: the message says everything, and a client
 * sending garbage should not cost a stack walk.
 */
public final class RedisProtocolException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** @param reason what is wrong, e.g. {@code invalid bulk length} */
    public RedisProtocolException(String reason) {
        super("Protocol error: " + reason, null, false, false);
    }

    /** The error reply text for a client, without {@code -} and CRLF: {@code ERR Protocol error: ...}. */
    public String errorReply() {
        return "ERR " + getMessage();
    }
}
