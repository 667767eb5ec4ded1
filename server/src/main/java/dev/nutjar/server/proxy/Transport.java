package dev.nutjar.server.proxy;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.function.Supplier;

/** The socket implementation: native epoll where it loads, the JDK's NIO everywhere else. */
enum Transport {
    EPOLL(EpollReAdd::newFactory, EpollSocketChannel.class, EpollServerSocketChannel.class,
            EpollDomainSocketChannel.class, EpollServerDomainSocketChannel.class),
    NIO(NioIoHandler::newFactory, NioSocketChannel.class, NioServerSocketChannel.class,
            NioDomainSocketChannel.class, NioServerDomainSocketChannel.class);

    /** Lazy: asking for the epoll factory where epoll cannot load throws. */
    private final Supplier<IoHandlerFactory> ioHandlerFactory;
    final Class<? extends Channel> tcp;
    final Class<? extends ServerChannel> tcpServer;
    final Class<? extends Channel> unix;
    final Class<? extends ServerChannel> unixServer;

    Transport(Supplier<IoHandlerFactory> ioHandlerFactory, Class<? extends Channel> tcp,
            Class<? extends ServerChannel> tcpServer, Class<? extends Channel> unix,
            Class<? extends ServerChannel> unixServer) {
        this.ioHandlerFactory = ioHandlerFactory;
        this.tcp = tcp;
        this.tcpServer = tcpServer;
        this.unix = unix;
        this.unixServer = unixServer;
    }

    /** epoll when it is available, unless {@code -Dnutjar.transport=nio}. */
    static Transport best() {
        if ("nio".equalsIgnoreCase(System.getProperty("nutjar.transport"))) {
            return NIO;
        }
        return Epoll.isAvailable() ? EPOLL : NIO;
    }

    /** The I/O handlers for one group of loops: this transport's, able to hold work for a loop's next poll. */
    DeferringIoHandler.Factory newHandlers() {
        return new DeferringIoHandler.Factory(ioHandlerFactory.get());
    }

    /** A group of {@code threads} loops named {@code name-…}, whose handlers {@code handlers} makes. */
    EventLoopGroup newGroup(int threads, String name, DeferringIoHandler.Factory handlers) {
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name, false), handlers);
    }
}
