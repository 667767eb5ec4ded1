package dev.nutjar.redis;

/**
 * A pool's client authentication ({@code redis_auth}), with twemproxy's rules and Redis 7's
 * texts. Immutable and thread-safe; each client connection keeps its own "authenticated" flag.
 *
 * <ul>
 *   <li>Without a password every client is authenticated, and {@code AUTH x} gets
 *       {@link RedisLocalReply#AUTH_NOT_CONFIGURED}.
 *   <li>With one, a client starts unauthenticated and every command but AUTH and QUIT gets
 *       {@link RedisLocalReply#NOAUTH}. {@code AUTH <password>} (byte-exact) gets {@code +OK};
 *       a wrong password gets {@link RedisLocalReply#WRONGPASS} and leaves the client
 *       unauthenticated, even if it had authenticated before. {@code HELLO} passes too: it
 *       authenticates with its {@code AUTH} option, or says it must.
 * </ul>
 *
 * <p>A request with an {@link RedisRequest#error() error} (e.g. an unknown command) gets that
 * error whether or not the client has authenticated, as in Redis.
 */
public final class RedisAuth {

    private static final RedisAuth NONE = new RedisAuth(null);

    private final byte[] password;

    private RedisAuth(byte[] password) {
        this.password = password;
    }

    /** No password: every client is authenticated. */
    public static RedisAuth none() {
        return NONE;
    }

    /** Clients must send {@code AUTH <password>} first. The array is copied. */
    public static RedisAuth password(byte[] password) {
        return new RedisAuth(password.clone());
    }

    /** Whether a new client connection starts unauthenticated. */
    public boolean isRequired() {
        return password != null;
    }

    /**
     * Whether {@code command} from a client in the given state must be refused with
     * {@link RedisLocalReply#NOAUTH}.
     */
    public boolean refuses(RedisCommand command, boolean authenticated) {
        return password != null && !authenticated && command != RedisCommand.AUTH && command != RedisCommand.QUIT
                && command != RedisCommand.HELLO;
    }

    /**
     * Whether {@code HELLO}'s {@code AUTH username password} succeeds: as Redis's default user, the
     * only one a proxy client has, which takes any password when none is configured.
     */
    public boolean accepts(String username, byte[] given) {
        if (!"default".equals(username)) {
            return false;
        }
        return password == null || java.security.MessageDigest.isEqual(password, given);
    }

    /**
     * Answers a client's {@code AUTH} request. When a password is configured the client is
     * authenticated afterwards if and only if the reply is {@link RedisLocalReply#OK}.
     *
     * @param auth an acceptable request for {@link RedisCommand#AUTH}; not released
     */
    public RedisLocalReply authenticate(RedisRequest auth) {
        if (auth.command() != RedisCommand.AUTH || auth.hasError()) {
            throw new IllegalArgumentException("not an acceptable AUTH request: " + auth);
        }
        if (password == null) {
            return RedisLocalReply.AUTH_NOT_CONFIGURED;
        }
        return auth.argEquals(1, password) ? RedisLocalReply.OK : RedisLocalReply.WRONGPASS;
    }
}
