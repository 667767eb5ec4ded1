package dev.nutjar.protocol;

/**
 * Input the protocol cannot make sense of. The proxy sends {@link #reply()} (when not null) and
 * then closes the connection: after malformed bytes nothing that follows can be trusted.
 */
public class ProtocolException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String reply;

    /**
     * @param message what was wrong, for the log
     * @param reply the full reply line for the client, with its line end, or null for none
     */
    public ProtocolException(String message, String reply) {
        super(message, null, false, false);
        this.reply = reply;
    }

    /** The reply line (with its CR LF) to send before closing, or null. */
    public String reply() {
        return reply;
    }
}
