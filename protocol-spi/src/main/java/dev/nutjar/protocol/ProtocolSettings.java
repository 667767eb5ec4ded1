package dev.nutjar.protocol;

/**
 * What a pool's configuration tells its protocol.
 *
 * @param password the password clients must AUTH with (redis_auth), or null
 * @param database the database the proxy selects on each backend connection (redis_db); 0 selects none
 * @param maxKeyLength the longest key accepted, in bytes
 * @param maxValueLength the longest value (bulk or data block) accepted, in bytes
 * @param maxArguments the most arguments or keys one request may have
 * @param serverUsername the user the proxy authenticates to a backend as (a Redis 6 ACL user), or
 *     null for the default user
 * @param serverPassword the password the proxy authenticates to a backend with, or null for none
 */
public record ProtocolSettings(
        String password, int database, int maxKeyLength, long maxValueLength, int maxArguments,
        String serverUsername, String serverPassword) {

    public ProtocolSettings {
        if (database < 0) {
            throw new IllegalArgumentException("database must be >= 0 (was: " + database + ")");
        }
        if (maxKeyLength < 1) {
            throw new IllegalArgumentException("maxKeyLength must be > 0 (was: " + maxKeyLength + ")");
        }
        if (maxValueLength < 0) {
            throw new IllegalArgumentException("maxValueLength must be >= 0 (was: " + maxValueLength + ")");
        }
        if (maxArguments < 1) {
            throw new IllegalArgumentException("maxArguments must be > 0 (was: " + maxArguments + ")");
        }
        if (serverUsername != null && serverPassword == null) {
            throw new IllegalArgumentException("a server username needs a server password");
        }
    }

    /** Settings where clients and backends share one password, as twemproxy's redis_auth. */
    public ProtocolSettings(String password, int database, int maxKeyLength, long maxValueLength, int maxArguments) {
        this(password, database, maxKeyLength, maxValueLength, maxArguments, null, password);
    }

    /** No password, database 0, and generous limits. */
    public static ProtocolSettings defaults() {
        return new ProtocolSettings(null, 0, 16 * 1024 * 1024, 512L * 1024 * 1024, 1024 * 1024);
    }

    /** One password for clients and backends, as twemproxy's {@code redis_auth}. */
    public ProtocolSettings withPassword(String password) {
        return new ProtocolSettings(password, database, maxKeyLength, maxValueLength, maxArguments, null, password);
    }

    /** The user and password sent to backends; the clients' password stays. */
    public ProtocolSettings withServerCredentials(String username, String password) {
        return new ProtocolSettings(this.password, database, maxKeyLength, maxValueLength, maxArguments,
                username, password);
    }

    public ProtocolSettings withDatabase(int database) {
        return new ProtocolSettings(password, database, maxKeyLength, maxValueLength, maxArguments,
                serverUsername, serverPassword);
    }

    public ProtocolSettings withMaxValueLength(long maxValueLength) {
        return new ProtocolSettings(password, database, maxKeyLength, maxValueLength, maxArguments,
                serverUsername, serverPassword);
    }

    /** Like the generated one, but never prints a password. */
    @Override
    public String toString() {
        return "ProtocolSettings[password=" + (password == null ? "none" : "(set)") + ", database=" + database
                + ", maxKeyLength=" + maxKeyLength + ", maxValueLength=" + maxValueLength
                + ", maxArguments=" + maxArguments + ", serverUsername=" + serverUsername
                + ", serverPassword=" + (serverPassword == null ? "none" : "(set)") + "]";
    }
}
