package dev.nutjar.server.tls;

import dev.nutjar.routing.ServerSpec;
import dev.nutjar.server.config.PoolConfig;
import dev.nutjar.server.config.ServerTls;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.NetUtil;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TLS of one pool: the context its clients get, if any, and for each server the context, the
 * name checked and the SNI sent, if any. Servers with the same TLS settings share one context.
 * Immutable; the contexts reload themselves when their files change.
 */
public final class PoolTls {
    private static final Logger log = LoggerFactory.getLogger(PoolTls.class);
    /** A pool in plain text on both sides. */
    public static final PoolTls PLAIN = new PoolTls(null, null, new Target[0], null);

    /** TLS to one server. */
    private record Target(ReloadingSslContext context, ServerTls settings, String peerHost, int port, String sniName,
            TlsHandshakeLog log) {}

    private final ReloadingSslContext clients;
    private final TlsHandshakeLog clientLog;
    private final Target[] servers;
    /** TLS to the nodes a cluster pool finds; null for plain text or a pool of fixed servers. */
    private final NodeTls nodes;

    private PoolTls(ReloadingSslContext clients, TlsHandshakeLog clientLog, Target[] servers, NodeTls nodes) {
        this.clients = clients;
        this.clientLog = clientLog;
        this.servers = servers;
        this.nodes = nodes;
    }

    /**
     * Loads the pool's certificates.
     *
     * @param servers the pool's servers, in the order the proxy numbers them
     * @throws IOException naming the pool, the key and the file that does not load
     */
    public static PoolTls load(PoolConfig pool, List<ServerSpec> servers) throws IOException {
        ReloadingSslContext clients = null;
        if (pool.tls() != null) {
            clients = ReloadingSslContext.load("pool '" + pool.name() + "' tls", pool.tls().files(),
                    () -> SslContexts.forClients(pool.tls()));
        }
        Target[] targets = new Target[servers.size()];
        Map<ServerTls, ReloadingSslContext> shared = new HashMap<>();
        boolean any = clients != null;
        for (int i = 0; i < targets.length; i++) {
            ServerSpec server = servers.get(i);
            ServerTls tls = pool.serverTls(server);
            if (tls == null || server.isUnix()) {
                continue;
            }
            if (tls.verify() == ServerTls.Verify.NONE) {
                log.warn("pool '{}': server '{}' is spoken to with verify: none; it is not authenticated",
                        pool.name(), server.name());
            }
            ReloadingSslContext context = shared.get(tls);
            if (context == null) {
                boolean own = pool.serverOptions().containsKey(server.name())
                        && pool.serverOptions().get(server.name()).tls() != null;
                String key = own ? "server_options." + server.name() + ".tls" : "server_tls";
                context = ReloadingSslContext.load("pool '" + pool.name() + "' " + key, tls.files(),
                        () -> SslContexts.forServers(tls));
                shared.put(tls, context);
            }
            targets[i] = new Target(context, tls, peerHost(tls, server.host()), server.port(), sniName(tls, server.host()),
                    new TlsHandshakeLog("server '" + server.name() + "' of pool '" + pool.name() + "'"));
            any = true;
        }
        NodeTls nodes = null;
        if (pool.redisCluster() && pool.serverTls() != null) {
            ServerTls tls = pool.serverTls();
            ReloadingSslContext context = shared.get(tls);
            if (context == null) {
                context = ReloadingSslContext.load("pool '" + pool.name() + "' server_tls", tls.files(),
                        () -> SslContexts.forServers(tls));
            }
            nodes = NodeTls.load(pool.name(), tls, context);
            any = true;
        }
        if (!any) {
            return PLAIN;
        }
        return new PoolTls(clients, clients == null ? null : new TlsHandshakeLog("client of pool '" + pool.name() + "'"),
                targets, nodes);
    }

    /** The name a server's certificate is checked against: {@code sni} when set, else the host dialled. */
    static String peerHost(ServerTls tls, String host) {
        return tls.sni() != null ? tls.sni() : host;
    }

    /**
     * The SNI sent: {@code sni} when set, else the host when it is a name (an address is not sent);
     * null for none. A Sentinel pool's servers have no host of their own (null).
     */
    static String sniName(ServerTls tls, String host) {
        return tls.sni() != null ? tls.sni()
                : host == null || NetUtil.isValidIpV4Address(host) || NetUtil.isValidIpV6Address(host) ? null : host;
    }

    /** A client-side handler that checks {@code peerHost} (with {@code verify: full}) and sends {@code sni}. */
    static SslHandler handler(SslContext context, ByteBufAllocator alloc, String peerHost, int port, String sni) {
        SslHandler handler = context.newHandler(alloc, peerHost, port);
        if (sni != null) {
            SSLEngine engine = handler.engine();
            SSLParameters parameters = engine.getSSLParameters();
            parameters.setServerNames(List.of(new SNIHostName(sni)));
            engine.setSSLParameters(parameters);
        }
        return handler;
    }

    /** TLS to the nodes of a cluster pool, or null when they are spoken to in plain text. */
    public NodeTls nodes() {
        return nodes;
    }

    /** Whether clients speak TLS. */
    public boolean forClients() {
        return clients != null;
    }

    /**
     * A handler for a newly accepted client, with the certificates current now.
     *
     * @throws IllegalStateException when the pool's clients speak plain text
     */
    public SslHandler clientHandler(ByteBufAllocator alloc) {
        if (clients == null) {
            throw new IllegalStateException("plain-text clients");
        }
        return clients.current().newHandler(alloc);
    }

    /** The handler that logs a client's failed handshake; with {@link #clientHandler}. */
    public TlsHandshakeLog clientHandshakeLog() {
        return clientLog;
    }

    /** Whether the proxy speaks TLS to the server numbered {@code server}. */
    public boolean toServer(int server) {
        return server < servers.length && servers[server] != null;
    }

    /**
     * A handler for a new connection to the server numbered {@code server}: it checks the server's
     * name (or {@code sni}) when {@code verify} is full, and sends the SNI.
     *
     * @throws IllegalStateException when that server is spoken to in plain text
     */
    public SslHandler serverHandler(int server, ByteBufAllocator alloc) {
        Target target = servers[server];
        if (target == null) {
            throw new IllegalStateException("plain text to server " + server);
        }
        return handler(target.context().current(), alloc, target.peerHost(), target.port(), target.sniName());
    }

    /**
     * A handler for a new connection to the server numbered {@code server} at {@code host:port}
     * rather than its configured address: a Sentinel pool's master, where a sentinel said it is.
     * The name checked and sent is {@code host}, unless {@code sni} is set.
     */
    public SslHandler serverHandler(int server, String host, int port, ByteBufAllocator alloc) {
        Target target = servers[server];
        if (target == null) {
            throw new IllegalStateException("plain text to server " + server);
        }
        ServerTls tls = target.settings();
        return handler(target.context().current(), alloc, peerHost(tls, host), port, sniName(tls, host));
    }

    /** The handler that logs a failed handshake with the server numbered {@code server}. */
    public TlsHandshakeLog serverHandshakeLog(int server) {
        return servers[server].log();
    }

    /**
     * Rebuilds every context whose files changed since they were loaded; for a configuration
     * reload, which should not wait for the once-a-second check.
     */
    public void refresh() {
        if (clients != null) {
            clients.refresh();
        }
        for (Target target : servers) {
            if (target != null) {
                target.context().refresh();
            }
        }
        if (nodes != null) {
            nodes.refresh();
        }
    }
}
