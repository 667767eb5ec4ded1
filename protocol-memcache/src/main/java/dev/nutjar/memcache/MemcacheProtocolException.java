package dev.nutjar.memcache;

/**
 * A backend sent bytes that are not a memcached reply to the request they answer. The connection
 * cannot be resynchronised: the proxy closes it and fails every request on it with
 * {@link #clientReply()}.
 *
 * <p>Thrown by {@link MemcacheReplyParser} only. Client mistakes are not exceptions: they come out of
 * {@link MemcacheRequestParser} as requests carrying a {@link MemcacheError}, so that their reply
 * takes its place among the replies to the client's earlier pipelined requests. No stack trace is
 * filled in: the message says what was wrong, and a misbehaving backend must not make the proxy
 * spend its time walking stacks.
 */
public final class MemcacheProtocolException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String clientReply;

    public MemcacheProtocolException(String message) {
        super(message, null, false, false);
        this.clientReply = "SERVER_ERROR " + MemcacheReplies.INVALID_ARGUMENT;
    }

    /** What a client whose request was on the connection sees, without CRLF: twemproxy's text. */
    public String clientReply() {
        return clientReply;
    }

    /** Always true: after an unparseable reply the backend connection must be closed. */
    public boolean closesConnection() {
        return true;
    }
}
