package dev.nutjar.protocol;

/**
 * The client connection a {@link ClientCodec} decodes, as a protocol may describe it to the client
 * (Redis {@code CLIENT ID}, {@code CLIENT INFO}).
 *
 * @param id unique among the process's client connections, from 1
 * @param address the client's address, {@code host:port}, or the socket path's peer
 * @param localAddress the proxy's address the client connected to
 */
public record ClientConnection(long id, String address, String localAddress) {

    /** For a codec made without a connection (tests, tools): id 0 and unknown addresses. */
    public static final ClientConnection UNKNOWN = new ClientConnection(0, "?", "?");
}
