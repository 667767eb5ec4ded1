package dev.nutjar.server.tls;

import dev.nutjar.server.config.ServerTls;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * TLS to the nodes of a Redis Cluster pool, which the proxy learns at run time: every node gets the
 * pool's {@code server_tls}, its name checked and sent as SNI as a configured server's is. The
 * event loops get an {@code SslHandler}; the slot map's blocking probes get a connected
 * {@code SSLSocket}, built from the same files on the JDK's engine. Immutable; the contexts reload
 * themselves when their files change.
 */
public final class NodeTls {
    private final ServerTls settings;
    private final ReloadingSslContext forLoops;
    private final ReloadingSslContext forSockets;
    private final TlsHandshakeLog handshakeLog;

    private NodeTls(ServerTls settings, ReloadingSslContext forLoops, ReloadingSslContext forSockets,
            TlsHandshakeLog handshakeLog) {
        this.settings = settings;
        this.forLoops = forLoops;
        this.forSockets = forSockets;
        this.handshakeLog = handshakeLog;
    }

    /**
     * @param forLoops the context of the pool's {@code server_tls}, shared with its seed servers
     * @throws IOException naming the pool, the key and the file that does not load
     */
    static NodeTls load(String pool, ServerTls settings, ReloadingSslContext forLoops) throws IOException {
        ReloadingSslContext forSockets = ReloadingSslContext.load("pool '" + pool + "' server_tls (cluster probes)",
                settings.files(), () -> SslContexts.forServers(settings, SslProvider.JDK));
        return new NodeTls(settings, forLoops, forSockets, new TlsHandshakeLog("node of pool '" + pool + "'"));
    }

    /** A handler for a new connection from an event loop to the node at {@code host:port}. */
    public SslHandler handler(String host, int port, ByteBufAllocator alloc) {
        return PoolTls.handler(forLoops.current(), alloc, PoolTls.peerHost(settings, host), port,
                PoolTls.sniName(settings, host));
    }

    /** The handler that logs a failed handshake with a node; with {@link #handler}. */
    public TlsHandshakeLog handshakeLog() {
        return handshakeLog;
    }

    /**
     * A blocking connection to the node at {@code host:port}, its handshake done, with
     * {@code timeoutMillis} to connect and for every read (the handshake's too).
     *
     * @throws IOException when the node cannot be reached or the handshake fails
     */
    public Socket connect(String host, int port, int timeoutMillis) throws IOException {
        SslContext context = forSockets.current();
        String peerHost = PoolTls.peerHost(settings, host);
        // An engine of the context carries its protocols and ciphers; the socket takes them over.
        SSLParameters parameters = context.newEngine(ByteBufAllocator.DEFAULT, peerHost, port).getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm(settings.verify() == ServerTls.Verify.FULL ? "HTTPS" : null);
        String sni = PoolTls.sniName(settings, host);
        if (sni != null) {
            parameters.setServerNames(List.of(new SNIHostName(sni)));
        }
        Socket plain = new Socket();
        try {
            plain.connect(new InetSocketAddress(host, port), timeoutMillis);
            plain.setSoTimeout(timeoutMillis);
            plain.setTcpNoDelay(true);
            SSLSocket socket = (SSLSocket) ((JdkSslContext) context).context().getSocketFactory()
                    .createSocket(plain, peerHost, port, true);
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            return socket;
        } catch (IOException | RuntimeException e) {
            plain.close();
            throw e;
        }
    }

    void refresh() {
        forLoops.refresh();
        forSockets.refresh();
    }
}
