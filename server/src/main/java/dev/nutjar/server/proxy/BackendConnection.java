package dev.nutjar.server.proxy;

import dev.nutjar.protocol.Frames;
import dev.nutjar.protocol.ProtocolException;
import dev.nutjar.protocol.ServerCodec;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelProgressiveFuture;
import io.netty.channel.ChannelProgressiveFutureListener;
import io.netty.channel.ConnectTimeoutException;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection from one event loop to one backend server. Opened lazily by the first request;
 * requests are pipelined and their replies matched in order.
 *
 * <p>A late reply fails only its own request (unlike twemproxy, which closes the connection and
 * fails every request on it): the request is answered with a timeout error, and its reply, when
 * it comes, is read and thrown away. A broken connection fails exactly the requests on it.
 *
 * <p>Late means the server is late, not the queue: a request past its deadline times out only
 * once the server has neither sent a byte on the connection nor taken one of a large request
 * being written to it for the pool's {@code timeout}. While the server is sending (large replies
 * ahead of it, or its own) or reading a large request, the request waits. And a stall is
 * one server failure however many requests it fails, as twemproxy counts one per connection it
 * closes on a timeout; a stall that lasts another {@code timeout} is another failure.
 *
 * <p>A large reply (a bulk string, a memcached value) to the request its client awaits next is
 * passed on as it arrives rather than gathered whole: its header and data go to the client in the
 * pieces they are read in, without a copy, and only its last bytes are decoded. Once part of it is
 * out, a failure (timeout, broken connection) cannot be answered with an error: the client is
 * closed instead, and the rest of a late reply is read and thrown away.
 */
final class BackendConnection extends Flushable {
    private static final Logger log = LoggerFactory.getLogger(BackendConnection.class);

    /** Abandoned (timed-out) requests still owed a reply before the connection is given up. */
    static final int MAX_ABANDONED = 1024;
    /** Replies whose header and data are at least this long are passed on as they arrive. */
    static final int STREAM_MIN = 8192;

    private enum State { IDLE, CONNECTING, READY }

    private final PoolRuntime pool;
    private final int server;
    private final LoopState loopState;
    private final ArrayDeque<Exchange> awaiting = new ArrayDeque<>();
    /** Frames written while connecting; sent once the connection is up. */
    private final ArrayDeque<ByteBuf> unsent = new ArrayDeque<>();
    private final OutboundBatch batch;
    private State state = State.IDLE;
    private Channel channel;
    private ServerCodec codec;
    private ByteBuf inbound;
    private int handshakeRepliesLeft;
    private int abandoned;
    private ScheduledFuture<?> timer;
    private long timerDeadline;
    /** The request whose reply is passed on as it arrives, until its last bytes are decoded; or null. */
    private PendingRequest streaming;
    /** Bytes of the streamed reply still to pass on before its last bytes; {@link #inbound} is empty meanwhile. */
    private int streamLeft;
    /** The bytes passed on, counted in response_bytes when the reply ends. */
    private int streamedBytes;
    /** When the server last sent a byte on this connection, or the connection was started. */
    private long lastReadNanos;
    /** When a stall of this connection was last counted as a server failure; only while it lasts. */
    private long stallCountedNanos;
    private boolean stallCounted;
    /** The server looked silent for the timeout at the last expiry: confirmed at the next. */
    private boolean silenceSeen;

    BackendConnection(PoolRuntime pool, int server, LoopState loopState) {
        this.pool = pool;
        this.server = server;
        this.loopState = loopState;
        this.batch = new OutboundBatch(pool.buffers, loopState.spares);
        if (pool.timeoutNanos > 0) {
            batch.reportProgressTo(new ChannelProgressiveFutureListener() {
                @Override
                public void operationProgressed(ChannelProgressiveFuture future, long progress, long total) {
                    heardFromServer();
                }

                @Override
                public void operationComplete(ChannelProgressiveFuture future) {
                    heardFromServer();
                }
            });
        }
    }

    /**
     * Sends a request whose reply completes {@code exchange}.
     *
     * @param frame the request bytes; taken over
     */
    void send(Exchange exchange, ByteBuf frame) {
        int bytes = frame.readableBytes();
        await(exchange, bytes);
        write(frame);
        armTimerFor(exchange);
    }

    /**
     * Sends a request whose reply completes {@code exchange}, copying small requests into the
     * write batch so that no view of them is made.
     *
     * @param source holds the request at {@code index}; still the caller's, not retained
     */
    void send(Exchange exchange, ByteBuf source, int index, int length) {
        await(exchange, length);
        write(source, index, length);
        armTimerFor(exchange);
    }

    /**
     * Sends a request the backend does not answer (memcached noreply).
     *
     * @param source holds the request at {@code index}; still the caller's, not retained
     */
    void sendWithoutReply(ByteBuf source, int index, int length) {
        count(LoopCounters.REQUESTS, 1);
        count(LoopCounters.REQUEST_BYTES, length);
        write(source, index, length);
    }

    private void await(Exchange exchange, int bytes) {
        exchange.requestBytes = bytes;
        if (pool.timeoutNanos > 0) {
            exchange.deadline = loopState.nanoTime() + pool.timeoutNanos;
        }
        awaiting.add(exchange);
        exchange.heldByBackend();
        count(LoopCounters.REQUESTS, 1);
        count(LoopCounters.REQUEST_BYTES, bytes);
        count(LoopCounters.OUT_QUEUE, 1);
        count(LoopCounters.OUT_QUEUE_BYTES, bytes);
    }

    private void armTimerFor(Exchange exchange) {
        if (exchange.deadline != 0) {
            armTimer(exchange.deadline);
        }
    }

    private void write(ByteBuf source, int index, int length) {
        if (state == State.READY) {
            batch.write(channel, source, index, length);
            loopState.flushBackendLater(this);
        } else {
            write(Frames.retainedView(source, index, length));
        }
    }

    private void write(ByteBuf frame) {
        switch (state) {
            case READY -> {
                batch.write(channel, frame);
                loopState.flushBackendLater(this);
            }
            case CONNECTING -> unsent.add(frame);
            case IDLE -> {
                unsent.add(frame);
                connect();
            }
        }
    }

    @Override
    void flushNow() {
        if (state == State.READY) {
            batch.flush(channel);
        }
    }

    private void connect() {
        state = State.CONNECTING;
        heardFromServer();
        codec = pool.protocol.newServerCodec(pool.protocolSettings);
        Handler handler = new Handler();
        ChannelFuture future = pool.connect(server, loopState.loop, loopState.backendReadAllocator(pool), handler);
        channel = future.channel();
        if (future.isDone()) {
            connected(future, handler);
        } else {
            future.addListener(f -> connected((ChannelFuture) f, handler));
        }
    }

    private void connected(ChannelFuture future, Handler handler) {
        if (future.channel() != channel) {
            return;
        }
        if (!future.isSuccess()) {
            Throwable cause = future.cause();
            log.debug("connect to {} failed: {}", pool.serverName(server), cause.toString());
            count(LoopCounters.SERVER_ERR, 1);
            broken(reason(cause), true);
            return;
        }
        state = State.READY;
        handler.counted = true;
        count(LoopCounters.SERVER_CONNECTIONS, 1);
        count(LoopCounters.CONNECTS, 1);
        ByteBuf handshake = codec.handshake(channel.alloc());
        if (handshake != null) {
            handshakeRepliesLeft = codec.handshakeReplies();
            batch.write(channel, handshake);
        }
        ByteBuf frame;
        while ((frame = unsent.poll()) != null) {
            batch.write(channel, frame);
        }
        loopState.flushBackendLater(this);
    }

    /** Opens the connection now (preconnect). */
    void preconnect() {
        if (state == State.IDLE) {
            connect();
        }
    }

    private void armTimer(long deadline) {
        if (timer != null && timerDeadline <= deadline) {
            return;
        }
        if (timer != null) {
            timer.cancel(false);
        }
        timerDeadline = deadline;
        long delay = Math.max(0, deadline - System.nanoTime());
        timer = loopState.loop.schedule(this::expire, delay, TimeUnit.NANOSECONDS);
    }

    /** The server sent bytes, took some of a large request, or the connection starts: no stall now. */
    private void heardFromServer() {
        lastReadNanos = System.nanoTime();
        stallCounted = false;
    }

    /**
     * Fails every request whose reply is late, and waits for the next deadline; or, while the
     * server is still sending, waits until it has been silent for the timeout.
     */
    private void expire() {
        timer = null;
        long now = System.nanoTime();
        long silentUntil = lastReadNanos + pool.timeoutNanos;
        if (silentUntil - now > 0) {
            silenceSeen = false;
            armTimer(silentUntil);
            return;
        }
        if (!silenceSeen) {
            // Looked at again after the loop's next poll: what the server sent while the loop was
            // busy elsewhere is read first, so a slow loop is not taken for a silent server.
            silenceSeen = true;
            timerDeadline = now;
            timer = loopState.loop.schedule(this::expire, 0, TimeUnit.NANOSECONDS);
            return;
        }
        silenceSeen = false;
        long next = 0;
        List<Exchange> late = null;
        for (Exchange exchange : awaiting) {
            if (exchange.abandoned) {
                continue;
            }
            if (exchange.deadline - now <= 0) {
                exchange.abandoned = true;
                abandoned++;
                if (late == null) {
                    late = new ArrayList<>();
                }
                late.add(exchange);
            } else {
                next = exchange.deadline;
                break;
            }
        }
        int expired = late == null ? 0 : late.size();
        // Failed only after the walk: a failure can resume its client, whose next requests may be
        // queued on this very connection.
        for (int i = 0; i < expired; i++) {
            late.get(i).fail(PoolRuntime.TIMED_OUT);
        }
        if (expired > 0) {
            count(LoopCounters.SERVER_TIMEDOUT, expired);
            if (!stallCounted || now - stallCountedNanos >= pool.timeoutNanos) {
                stallCounted = true;
                stallCountedNanos = now;
                pool.routing.recordFailure(server);
            }
        }
        if (abandoned > MAX_ABANDONED) {
            log.warn("closing connection to {}: {} requests timed out on it", pool.serverName(server), abandoned);
            closeChannel();
            broken(PoolRuntime.TIMED_OUT, false);
            return;
        }
        if (next != 0) {
            armTimer(next);
        }
    }

    /** Fails everything on this connection and forgets it; the next request reconnects. */
    private void broken(String reason, boolean countFailure) {
        state = State.IDLE;
        channel = null;
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        batch.discard();
        if (inbound != null) {
            inbound.release();
            inbound = null;
        }
        ByteBuf frame;
        while ((frame = unsent.poll()) != null) {
            frame.release();
        }
        abandoned = 0;
        handshakeRepliesLeft = 0;
        streaming = null;
        streamLeft = 0;
        if (countFailure) {
            pool.routing.recordFailure(server);
        }
        // Taken out first: failing a request can resume its client, whose next requests then go
        // to a new connection and must not be failed with this one's.
        Exchange[] lost = awaiting.toArray(new Exchange[0]);
        awaiting.clear();
        for (Exchange exchange : lost) {
            count(LoopCounters.OUT_QUEUE, -1);
            count(LoopCounters.OUT_QUEUE_BYTES, -exchange.requestBytes);
        }
        for (Exchange exchange : lost) {
            if (!exchange.abandoned) {
                exchange.fail(reason);
            }
            exchange.releasedByBackend();
        }
    }

    private void closeChannel() {
        Channel ch = channel;
        if (ch != null) {
            channel = null;
            ch.close();
        }
    }

    /** Closes the connection on shutdown, failing what is still on it. */
    void close() {
        if (state != State.IDLE) {
            closeChannel();
            broken("proxy is shutting down", false);
        }
    }

    /** @param in taken over */
    private void read(ByteBuf in) {
        if (streamLeft > 0) {
            in = passOn(in);
            if (in == null) {
                return;
            }
        }
        inbound = ClientConnection.cumulate(channel.alloc(), inbound, in);
        try {
            while (inbound != null && inbound.isReadable()) {
                if (handshakeRepliesLeft > 0) {
                    ByteBuf reply = codec.decode(inbound, 0);
                    if (reply == null) {
                        break;
                    }
                    handshakeRepliesLeft--;
                    String error = codec.handshakeError(reply);
                    reply.release();
                    if (error != null) {
                        log.warn("handshake with {} of pool {} failed: {}", pool.serverName(server), pool.name, error);
                    }
                    continue;
                }
                Exchange exchange = awaiting.peek();
                if (exchange == null) {
                    throw new ProtocolException("reply with no request outstanding", null);
                }
                // In place where the codec allows: a small reply is then copied straight to its
                // client, with no view made of it.
                ByteBuf reply = null;
                int length = codec.replyLength(inbound, exchange.replyKind);
                if (length == ServerCodec.DECODE_ONLY) {
                    reply = codec.decode(inbound, exchange.replyKind);
                    length = reply == null ? -1 : reply.readableBytes();
                }
                if (length < 0) {
                    if (streaming == null && startStream(exchange)) {
                        inbound = passOn(inbound);
                        continue;
                    }
                    break;
                }
                awaiting.poll();
                long replyBytes = length;
                if (exchange == streaming) {
                    streaming = null;
                    replyBytes += streamedBytes;
                }
                count(LoopCounters.OUT_QUEUE, -1);
                count(LoopCounters.OUT_QUEUE_BYTES, -exchange.requestBytes);
                count(LoopCounters.RESPONSES, 1);
                count(LoopCounters.RESPONSE_BYTES, replyBytes);
                // Skipped before the exchange completes: completing it can close this connection.
                ByteBuf source = inbound;
                int index = source.readerIndex();
                if (reply == null) {
                    source.skipBytes(length);
                }
                if (exchange.abandoned) {
                    abandoned--;
                    if (reply != null) {
                        reply.release();
                    }
                    exchange.releasedByBackend();
                    continue;
                }
                boolean failure = reply != null ? codec.isServerFailure(reply) : codec.isServerFailure(source, index, length);
                if (failure) {
                    pool.routing.recordFailure(server);
                } else {
                    pool.routing.recordSuccess(server);
                }
                if (reply != null) {
                    exchange.complete(reply);
                } else {
                    exchange.complete(source, index, length);
                }
                exchange.releasedByBackend();
            }
        } catch (ProtocolException e) {
            log.warn("bad reply from {} of pool {}: {}", pool.serverName(server), pool.name, e.getMessage());
            count(LoopCounters.SERVER_ERR, 1);
            closeChannel();
            broken(PoolRuntime.BAD_REPLY, true);
            return;
        }
        if (inbound != null && !inbound.isReadable()) {
            inbound.release();
            inbound = null;
        }
    }

    /**
     * Starts passing on the reply now partly in {@link #inbound}, when it is large and its client
     * awaits it next. Never for a fragment of a split request: those replies are merged.
     */
    private boolean startStream(Exchange exchange) {
        // Checked first: once the codec offers a part, the part must be taken.
        if (!(exchange instanceof PendingRequest request) || exchange.abandoned || !request.client.isNextReply(request)) {
            return false;
        }
        int length = codec.streamableLength(inbound, exchange.replyKind, STREAM_MIN);
        if (length < 0) {
            return false;
        }
        request.startStream(length);
        streaming = request;
        streamLeft = length;
        streamedBytes = length;
        return true;
    }

    /**
     * Passes the next bytes of the streamed reply to its client.
     *
     * @param in taken over
     * @return the bytes of {@code in} after the streamed part, which the caller owns; or null
     */
    private ByteBuf passOn(ByteBuf in) {
        int readable = in.readableBytes();
        if (readable <= streamLeft) {
            streamLeft -= readable;
            streaming.streamChunk(in);
            return null;
        }
        ByteBuf chunk = Frames.takeRetained(in, streamLeft);
        streamLeft = 0;
        streaming.streamChunk(chunk);
        return in;
    }

    private void count(int field, long delta) {
        loopState.counters.addServer(pool.id, server, field, delta);
    }

    static String reason(Throwable cause) {
        if (cause instanceof ConnectTimeoutException) {
            return PoolRuntime.TIMED_OUT;
        }
        if (cause instanceof UnknownHostException || cause.getCause() instanceof UnknownHostException) {
            return "Host is down";
        }
        if (cause instanceof ConnectException) {
            return "Connection refused";
        }
        if (cause instanceof ClosedChannelException) {
            return PoolRuntime.SERVER_CLOSED;
        }
        String message = cause.getMessage();
        if (cause instanceof IOException && message != null && message.contains("reset by peer")) {
            return "Connection reset by peer";
        }
        return message == null ? cause.getClass().getSimpleName() : message;
    }

    /** The channel's pipeline end: feeds replies in and reports the channel's end. */
    private final class Handler extends ChannelInboundHandlerAdapter {
        /** Whether this channel was counted in server_connections. */
        boolean counted;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (ctx.channel() != channel) {
                ((ByteBuf) msg).release();
                return;
            }
            heardFromServer();
            read((ByteBuf) msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            loopState.flushReplies();
            ctx.fireChannelReadComplete();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (counted) {
                counted = false;
                count(LoopCounters.SERVER_CONNECTIONS, -1);
            }
            if (ctx.channel() == channel) {
                count(LoopCounters.SERVER_EOF, 1);
                broken(PoolRuntime.SERVER_CLOSED, true);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (ctx.channel() == channel) {
                log.debug("connection to {} failed: {}", pool.serverName(server), cause.toString());
                count(LoopCounters.SERVER_ERR, 1);
                closeChannel();
                broken(reason(cause), true);
            }
            ctx.close();
        }
    }
}
