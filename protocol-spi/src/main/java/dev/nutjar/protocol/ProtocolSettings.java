package dev.nutjar.protocol;

/**
 * What a pool's configuration tells its protocol.
 *
 * @param password the password clients must AUTH with and the proxy sends to backends (redis_auth), or null
 * @param database the database the proxy selects on each backend connection (redis_db); 0 selects none
 * @param maxKeyLength the longest key accepted, in bytes
 * @param maxValueLength the longest value (bulk or data block) accepted, in bytes
 * @param maxArguments the most arguments or keys one request may have
 */
public record ProtocolSettings(
        String password, int database, int maxKeyLength, long maxValueLength, int maxArguments) {

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
    }

    /** No password, database 0, and generous limits. */
    public static ProtocolSettings defaults() {
        return new ProtocolSettings(null, 0, 16 * 1024 * 1024, 512L * 1024 * 1024, 1024 * 1024);
    }

    public ProtocolSettings withPassword(String password) {
        return new ProtocolSettings(password, database, maxKeyLength, maxValueLength, maxArguments);
    }

    public ProtocolSettings withDatabase(int database) {
        return new ProtocolSettings(password, database, maxKeyLength, maxValueLength, maxArguments);
    }

    public ProtocolSettings withMaxValueLength(long maxValueLength) {
        return new ProtocolSettings(password, database, maxKeyLength, maxValueLength, maxArguments);
    }
}
