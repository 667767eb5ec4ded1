package dev.nutjar.server.config;

import java.util.Objects;

/**
 * Where a pool accepts clients, as written in its {@code listen:} key: {@code host:port} or
 * {@code /path/to.sock [permissions]}.
 *
 * <p>The host is kept as written and never resolved here; {@link ConfigLoader#resolvingListenHosts()}
 * checks it resolves, as {@code nutcracker -t} does.
 *
 * @param text the value as written; pools are reported and compared by it
 * @param host the host as written (brackets of {@code [::1]} removed); null for a unix socket
 * @param port 0..65535, where 0 asks the system for any free port (nutcracker refuses 0; Nutjar
 *     accepts it so that a test or an embedding application need not guess a free port, and
 *     reports the port bound); 0 for a unix socket
 * @param unixPath the socket path; null for TCP
 * @param permissions the socket file's mode, 0 to 0777; 0 means "leave it to the umask", as in
 *     twemproxy
 */
public record ListenAddress(String text, String host, int port, String unixPath, int permissions) {

    /** The largest socket permission twemproxy accepts. */
    public static final int MAX_PERMISSIONS = 0777;

    public ListenAddress {
        Objects.requireNonNull(text, "text");
        if ((host == null) == (unixPath == null)) {
            throw new IllegalArgumentException("exactly one of host and unixPath must be set");
        }
        if (host != null && (port < 0 || port > 65535)) {
            throw new IllegalArgumentException("port must be 0..65535 (was: " + port + ")");
        }
        if (permissions < 0 || permissions > MAX_PERMISSIONS) {
            throw new IllegalArgumentException(
                    "permissions must be 0..0777 (was: 0" + Integer.toOctalString(permissions) + ")");
        }
        if (host == null && port != 0 || unixPath == null && permissions != 0) {
            throw new IllegalArgumentException("a unix socket has no port and a TCP address no permissions");
        }
    }

    /**
     * Parses a {@code listen:} value the way twemproxy 0.5 does.
     *
     * <ul>
     *   <li>A value starting with {@code /} is a unix socket. Text after the last space is its file
     *       permission, read as octal like C's {@code strtol(s, NULL, 8)}: the leading octal digits
     *       count and anything else quietly reads as 0 (no chmod), because twemproxy accepts such
     *       files and an operator's working configuration must keep loading. Above 0777 is an
     *       error.
     *   <li>Anything else is TCP, split at the last {@code :}, so {@code ::1:22121} is host
     *       {@code ::1}. {@code [::1]:22121} is accepted too.
     * </ul>
     *
     * @throws IllegalArgumentException whose message says what is wrong and quotes the bad value
     */
    public static ListenAddress parse(String text) {
        Objects.requireNonNull(text, "text");
        if (text.startsWith("/")) {
            return parseUnix(text);
        }
        int colon = text.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException(
                    "expected \"host:port\" or \"/path/to.sock [permissions]\" (was: '" + text + "')");
        }
        String host = text.substring(0, colon);
        String port = text.substring(colon + 1);
        if (host.length() >= 2 && host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException("missing host before the port (was: '" + text + "')");
        }
        return new ListenAddress(text, host, parsePort(port), null, 0);
    }

    private static ListenAddress parseUnix(String text) {
        int space = text.lastIndexOf(' ');
        if (space < 0) {
            return new ListenAddress(text, null, 0, text, 0);
        }
        String path = text.substring(0, space).stripTrailing();
        String permissionText = text.substring(space + 1);
        long permissions = leadingOctal(permissionText);
        if (permissions > MAX_PERMISSIONS) {
            throw new IllegalArgumentException(
                    "socket permissions must be an octal number up to 0777 (was: '" + permissionText + "')");
        }
        return new ListenAddress(text, null, 0, path, (int) permissions);
    }

    /** strtol(text, NULL, 8) without the overflow: leading octal digits, else 0; a '-' is too large. */
    private static long leadingOctal(String text) {
        int i = 0;
        boolean negative = false;
        if (i < text.length() && (text.charAt(i) == '+' || text.charAt(i) == '-')) {
            negative = text.charAt(i) == '-';
            i++;
        }
        long value = 0;
        int digits = 0;
        for (; i < text.length() && text.charAt(i) >= '0' && text.charAt(i) <= '7'; i++, digits++) {
            value = Math.min(value * 8 + (text.charAt(i) - '0'), 1L << 40);
        }
        // twemproxy stores the result in an unsigned mode_t, so any negative value exceeds 0777.
        return negative && digits > 0 && value != 0 ? Long.MAX_VALUE : value;
    }

    private static int parsePort(String text) {
        if (text.isEmpty() || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("port must be a number 0..65535 (was: '" + text + "')");
        }
        long port = text.length() > 6 ? Long.MAX_VALUE : Long.parseLong(text);
        if (port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535 (was: " + text + ")");
        }
        return (int) port;
    }

    /** Whether this is a unix domain socket. */
    public boolean isUnix() {
        return unixPath != null;
    }

    /**
     * Whether two pools would bind the same socket: the same unix path, or the same host text and
     * port. Hosts are compared as written ({@code localhost} and {@code 127.0.0.1} differ), as in
     * twemproxy; such a clash shows up when binding. Port 0 never clashes: each bind gets its own
     * free port.
     */
    public boolean sameSocketAs(ListenAddress other) {
        return isUnix()
                ? unixPath.equals(other.unixPath)
                : other.host != null && host.equals(other.host) && port == other.port && port != 0;
    }

    @Override
    public String toString() {
        return text;
    }
}
