package dev.nutjar.routing;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Objects;

/**
 * One backend of a pool, as written in a twemproxy {@code servers:} line:
 * {@code host:port:weight [name]} or {@code /unix/path:weight [name]}.
 *
 * <p>{@link #name()} is the server's identity exactly as twemproxy computes it, and it decides
 * where keys live: it is hashed into the ketama ring, it orders the servers for modula, it is the
 * key of the server in the stats and it is what duplicates are detected on.
 *
 * <p>In a Sentinel pool a server is {@code master_name:weight} ({@link #named}): its name is the
 * master's Sentinel name and it has no address of its own; the sentinels say where it is.
 *
 * @param entry the line as written in the configuration
 * @param host the host as written, never resolved; null for a unix socket or a named server
 * @param port 1..65535; 0 for a unix socket
 * @param unixPath the socket path; null for TCP
 * @param weight at least 1
 * @param nodeName the explicit {@code [name]}, or null
 */
public record ServerSpec(String entry, String host, int port, String unixPath, int weight, String nodeName) {

    /** memcached's port: libmemcached and twemproxy leave it out of an unnamed server's name. */
    public static final int MEMCACHED_DEFAULT_PORT = 11211;

    /**
     * twemproxy's server order: a shorter name first, names of equal length bytewise
     * ({@code strncmp}). Indexes in this order are what modula slots and ketama ties use.
     */
    public static final Comparator<ServerSpec> TWEMPROXY_ORDER =
            (a, b) -> compareNames(a.nameBytes(), b.nameBytes());

    public ServerSpec {
        Objects.requireNonNull(entry, "entry");
        if (host != null && unixPath != null || host == null && unixPath == null && nodeName == null) {
            throw new IllegalArgumentException("exactly one of host and unixPath must be set, or neither with a name");
        }
        if (host != null && (port < 1 || port > 65535)) {
            throw new IllegalArgumentException("port must be 1..65535 (was: " + port + ")");
        }
        if (weight < 1) {
            throw new IllegalArgumentException("weight must be > 0 (was: " + weight + ")");
        }
    }

    /**
     * Parses a {@code servers:} line the way twemproxy 0.5 does, right to left: the name after the
     * last space, the weight after the last {@code :}, then the port after the next {@code :}; all
     * that is left is the host (so {@code ::1:6379:1} is host {@code ::1}).
     *
     * @throws IllegalArgumentException whose message says what is wrong and quotes the bad value,
     *     for example {@code weight must be > 0 (was: 0)}
     */
    public static ServerSpec parse(String entry) {
        Objects.requireNonNull(entry, "entry");
        String address = entry;
        String nodeName = null;
        int space = entry.lastIndexOf(' ');
        if (space >= 0) {
            nodeName = entry.substring(space + 1);
            address = entry.substring(0, space);
            if (nodeName.isEmpty()) {
                throw new IllegalArgumentException("server name after the last space is empty (was: '" + entry + "')");
            }
        }
        int weightColon = address.lastIndexOf(':');
        if (weightColon < 0) {
            throw new IllegalArgumentException(
                    "expected \"host:port:weight [name]\" or \"/path:weight [name]\" (was: '" + entry + "')");
        }
        int weight = parseWeight(address.substring(weightColon + 1), entry);
        String rest = address.substring(0, weightColon);
        if (rest.startsWith("/")) {
            if (rest.indexOf(':') >= 0) {
                throw new IllegalArgumentException("a unix socket path may not contain ':' (was: '" + rest + "')");
            }
            return new ServerSpec(entry, null, 0, rest, weight, nodeName);
        }
        int portColon = rest.lastIndexOf(':');
        if (portColon < 0) {
            throw new IllegalArgumentException(
                    "missing port: expected \"host:port:weight [name]\" (was: '" + entry + "')");
        }
        String host = rest.substring(0, portColon);
        if (host.isEmpty()) {
            throw new IllegalArgumentException("missing host (was: '" + entry + "')");
        }
        int port = parsePort(rest.substring(portColon + 1));
        return new ServerSpec(entry, host, port, null, weight, nodeName);
    }

    /**
     * Parses a server of a Sentinel pool, {@code master_name:weight}: a name and a weight, no
     * address. The name is hashed into the ring as a named server's is, so {@code shard1:1} here
     * places keys as {@code 10.0.0.1:6379:1 shard1} does in a plain pool.
     *
     * @throws IllegalArgumentException when the entry has any other form, quoting it
     */
    public static ServerSpec parseNamed(String entry) {
        Objects.requireNonNull(entry, "entry");
        int colon = entry.lastIndexOf(':');
        if (colon <= 0 || entry.indexOf(':') != colon || entry.indexOf(' ') >= 0) {
            throw new IllegalArgumentException("in a sentinel pool a server is \"master_name:weight\", the name"
                    + " Sentinel monitors it by; its address comes from the sentinels (was: '" + entry + "')");
        }
        return named(entry, entry.substring(0, colon), parseWeight(entry.substring(colon + 1), entry));
    }

    /** A server known by {@code name} only, whose address is learnt at run time (a Sentinel master). */
    public static ServerSpec named(String entry, String name, int weight) {
        return new ServerSpec(entry, null, 0, null, weight, Objects.requireNonNull(name, "name"));
    }

    /** Whether the configuration gives this server's address; false for a {@link #named} one. */
    public boolean hasAddress() {
        return host != null || unixPath != null;
    }

    private static int parseWeight(String text, String entry) {
        if (text.startsWith("-") && text.length() > 1 && allDigits(text.substring(1))) {
            throw new IllegalArgumentException("weight must be > 0 (was: " + text + ")");
        }
        if (!allDigits(text)) {
            throw new IllegalArgumentException("weight must be a positive integer (was: '" + text + "')");
        }
        long weight = parseBounded(text);
        if (weight == 0) {
            throw new IllegalArgumentException("weight must be > 0 (was: " + text + ")");
        }
        if (weight > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("weight is too large (was: " + text + ")");
        }
        return (int) weight;
    }

    private static int parsePort(String text) {
        if (!allDigits(text)) {
            throw new IllegalArgumentException("port must be a number 1..65535 (was: '" + text + "')");
        }
        long port = parseBounded(text);
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be 1..65535 (was: " + text + ")");
        }
        return (int) port;
    }

    /** Decimal digits, saturating well above any valid value instead of overflowing. */
    private static long parseBounded(String digits) {
        long value = 0;
        for (int i = 0; i < digits.length(); i++) {
            value = Math.min(value * 10 + (digits.charAt(i) - '0'), 1L << 40);
        }
        return value;
    }

    private static boolean allDigits(String text) {
        if (text.isEmpty()) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    /** Whether this backend is a unix domain socket. */
    public boolean isUnix() {
        return unixPath != null;
    }

    /**
     * The server's identity, by twemproxy's rules: the explicit name; else the host alone when the
     * port is 11211; else {@code host:port} as written; for an unnamed unix socket {@code path:},
     * with the trailing colon twemproxy leaves on it.
     */
    public String name() {
        if (nodeName != null) {
            return nodeName;
        }
        if (unixPath != null) {
            return unixPath + ":";
        }
        return port == MEMCACHED_DEFAULT_PORT ? host : host + ":" + port;
    }

    /** {@link #name()} as the bytes twemproxy hashes and compares. */
    public byte[] nameBytes() {
        return name().getBytes(StandardCharsets.UTF_8);
    }

    /** Where to connect, for people: {@code host:port} or the socket path; a {@link #named} server's name. */
    public String address() {
        if (!hasAddress()) {
            return nodeName;
        }
        return unixPath != null ? unixPath : host + ":" + port;
    }

    /** How the conformance vectors and {@code nutjar locate} identify a server: name or address. */
    public String id() {
        return nodeName != null ? nodeName : address();
    }

    static int compareNames(byte[] a, byte[] b) {
        if (a.length != b.length) {
            return Integer.compare(a.length, b.length);
        }
        return Arrays.compareUnsigned(a, b);
    }

    @Override
    public String toString() {
        return entry;
    }
}
