package dev.nutjar.server.config;

/**
 * What one server of a pool does not share with the others: an entry of the pool's
 * {@code server_options:} mapping, keyed by the server's name or {@code host:port}.
 *
 * @param tls TLS to this server, the pool's {@code server_tls} with this entry's {@code tls}
 *     laid over it; null when neither is set
 * @param username the ACL user this server is authenticated as ({@code redis_username}), or null
 * @param password the password sent to this server ({@code redis_auth}), or null for the pool's.
 *     Never printed
 */
public record ServerOptions(ServerTls tls, String username, String password) {

    /** Like the generated one, but never prints the password. */
    @Override
    public String toString() {
        return "ServerOptions[tls=" + tls + ", username=" + username + ", password="
                + (password == null ? "none" : "(set)") + "]";
    }
}
