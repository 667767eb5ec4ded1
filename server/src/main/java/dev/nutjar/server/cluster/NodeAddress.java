package dev.nutjar.server.cluster;

import java.util.Objects;

/** A Redis Cluster node as the cluster names it: host (as announced) and port. */
public record NodeAddress(String host, int port) {
    public NodeAddress {
        Objects.requireNonNull(host, "host");
    }

    /**
     * Parses {@code host:port}, as in a {@code MOVED} or {@code ASK} reply (the host of an IPv6
     * address is not bracketed there: the last colon splits).
     *
     * @throws IllegalArgumentException when there is no port
     */
    public static NodeAddress parse(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostPort.length() - 1) {
            throw new IllegalArgumentException("not host:port: '" + hostPort + "'");
        }
        int at = hostPort.indexOf('@', colon);
        String port = at < 0 ? hostPort.substring(colon + 1) : hostPort.substring(colon + 1, at);
        return new NodeAddress(hostPort.substring(0, colon), Integer.parseInt(port));
    }

    @Override
    public String toString() {
        return host + ":" + port;
    }
}
