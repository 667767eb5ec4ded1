package dev.nutjar.server.config;

import java.util.Locale;

/**
 * Nutjar's {@code read_from} in a Redis Cluster pool: which node of a key's slot answers the
 * commands that only read. Writes and anything not known to be read-only always go to the slot's
 * master.
 */
public enum ReadFrom {
    /** The slot's master, as without the key. */
    MASTER,
    /** A replica of the slot, spread over its replicas; the master when none is usable. */
    REPLICA,
    /** The node of the slot, master or replica, with the lowest round-trip time from the proxy. */
    NEAREST;

    /** The name in a configuration file. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The value named {@code text} in a configuration file.
     *
     * @throws IllegalArgumentException naming the valid values when it is none of them
     */
    public static ReadFrom parse(String text) {
        for (ReadFrom value : values()) {
            if (value.configName().equals(text)) {
                return value;
            }
        }
        throw new IllegalArgumentException("must be master, replica or nearest (was: '" + text + "')");
    }
}
