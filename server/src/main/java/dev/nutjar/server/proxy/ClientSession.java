package dev.nutjar.server.proxy;

import dev.nutjar.protocol.ClientCodec;
import dev.nutjar.protocol.ClientConnection;
import dev.nutjar.protocol.ProtocolException;
import dev.nutjar.protocol.Request;
import dev.nutjar.server.stats.PoolStat;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The request side of one client connection: decodes its requests, a turn at a time, has its
 * {@link RequestRouter} send each where it goes, and owns them until answered
 * ({@link RequestOwner}); its {@link ReplyQueue} writes the replies in request order.
 *
 * <p>Memory stays bounded: the session stops reading when the client stops reading what is
 * written to it, and when its requests in flight reach its {@link InFlightBudget}.
 */
final class ClientSession extends ChannelInboundHandlerAdapter implements RequestOwner {
    private static final Logger log = LoggerFactory.getLogger(ClientSession.class);

    /**
     * Requests decoded from one client before the other connections of the loop get their turn: a
     * client pipelining thousands of requests must not hold up those waiting on one.
     */
    static final int DECODE_TURN = 256;

    /** The ids of the process's client connections, from 1, as Redis numbers its clients. */
    private static final AtomicLong CLIENT_IDS = new AtomicLong();

    final PoolRuntime pool;
    private final LoopState loopState;
    /** Made once the session knows its channel: it describes the connection (CLIENT ID, INFO). */
    private ClientCodec codec;
    private final ReplyQueue queue;
    private final RequestRouter router;
    private final InFlightBudget budget = new InFlightBudget();
    private final FlushHook flushHook = new FlushHook();
    private ChannelHandlerContext ctx;
    private ByteBuf inbound;
    private ClientLifecycle lifecycle = ClientLifecycle.OPEN;
    /** Not read from: the in-flight budget is spent, the client does not read, or its turn is over. */
    private boolean paused;
    /** Paused for the decode turn, until {@link #continueAfterTurn} runs. */
    private boolean turnYielded;
    private boolean decoding;
    /** The client shut its write side: answer what it sent (buffered input too), then close. */
    private boolean inputShutdown;
    /** A reload removed the pool: nothing more is read, and the client closes after its last reply. */
    private boolean drained;
    /** Closed by the proxy (an error, a reply cut short): not counted as the client's EOF. */
    private boolean closedByUs;
    /** Counts the runs of the decoder: the requests of one run were sent together. */
    private int decodeRun;
    /** Not decoded from: a request waits for its reply first (a blocking command, EXEC), or for those before it. */
    private boolean held;
    /** Decoded, and routed once every earlier request is answered ({@link RequestRouter#waitsForEarlier}). */
    private Request waiting;

    ClientSession(PoolRuntime pool, LoopState loopState) {
        this.pool = pool;
        this.loopState = loopState;
        this.queue = new ReplyQueue(pool, loopState);
        this.router = new RequestRouter(pool, loopState, this, queue);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.codec = pool.protocol.newClientCodec(pool.protocolSettings, new ClientConnection(
                CLIENT_IDS.incrementAndGet(), address(ctx.channel().remoteAddress()),
                address(ctx.channel().localAddress())));
        queue.attach(ctx.channel());
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        loopState.counters.addPool(pool.id, PoolStat.CLIENT_CONNECTIONS, 1);
        loopState.counters.addPool(pool.id, PoolStat.CLIENTS_ACCEPTED, 1);
        log.debug("client {} connected to pool '{}' on {}", ctx.channel().remoteAddress(), pool.name,
                ctx.channel().localAddress());
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        if (!lifecycle.reading()) {
            in.release();
            return;
        }
        inbound = Cumulation.cumulate(ctx.alloc(), inbound, in);
        if (held) {
            if (inbound.readableBytes() >= HELD_INPUT_LIMIT && !paused) {
                pause();
            }
            return;
        }
        decodeAll();
    }

    /** {@code host:port}, or {@code path:0} for a unix socket, as Redis writes a client's address. */
    private static String address(java.net.SocketAddress address) {
        if (address instanceof InetSocketAddress inet && inet.getAddress() != null) {
            return inet.getAddress().getHostAddress() + ":" + inet.getPort();
        }
        if (address instanceof io.netty.channel.unix.DomainSocketAddress unix) {
            return unix.path() + ":0";
        }
        return address == null ? "?" : address.toString();
    }
    /** Input kept while held behind a blocking command before reading stops. */
    static final int HELD_INPUT_LIMIT = 64 * 1024;

    // ---------------------------------------------------------------- the decode loop

    private void decodeAll() {
        if (decoding) {
            return; // resumed from a reply written while decoding: the running loop goes on
        }
        decoding = true;
        decodeRun++;
        router.runStarts();
        loopState.clientDecodeStarts();
        ByteBuf in = inbound;
        int decoded = 0;
        try {
            while (!paused && lifecycle.reading() && (waiting != null || in != null && in.isReadable())) {
                Request request = waiting != null ? waiting : codec.decode(in);
                waiting = null;
                if (request == null) {
                    break;
                }
                if (!queue.isEmpty() && router.waitsForEarlier(request)) {
                    waiting = request;
                    held = true;
                    break;
                }
                if (router.route(request, decodeRun)) {
                    advance(ClientLifecycle.DRAINING);
                }
                if (router.blocked()) {
                    // As on one Redis connection: nothing more runs until it is answered. Still read,
                    // so that a client leaving is seen, up to a bound.
                    held = true;
                    break;
                }
                if (budget.full(queue.size()) && !paused) {
                    // The rest of the input waits in the cumulation until replies drain.
                    loopState.counters.addPool(pool.id, PoolStat.CLIENTS_PAUSED, 1);
                    pause();
                } else if (++decoded == DECODE_TURN && in.isReadable() && !paused) {
                    yieldTurn();
                }
            }
        } catch (ProtocolException e) {
            protocolError(e);
        } catch (RuntimeException e) {
            log.warn("closing client {}: {}", ctx.channel().remoteAddress(), e.toString(), e);
            protocolError(new ProtocolException(e.toString(), null));
        } finally {
            decoding = false;
            loopState.clientDecodeDone();
        }
        if (inbound != null && !inbound.isReadable()) {
            // Usually nothing holds it any more: every request read from it was forwarded.
            loopState.spares.recycle(inbound);
            inbound = null;
        }
    }

    private void protocolError(ProtocolException e) {
        loopState.counters.addPool(pool.id, PoolStat.CLIENT_ERR, 1);
        log.debug("protocol error from {}: {}", ctx.channel().remoteAddress(), e.getMessage());
        advance(ClientLifecycle.DRAINING);
        router.rejected(e, decodeRun);
    }

    // ---------------------------------------------------------------- RequestOwner: replies come back

    @Override
    public boolean awaitsNext(PendingRequest request) {
        return queue.isHead(request) && lifecycle.answering();
    }

    @Override
    public void replied(PendingRequest request) {
        router.answered(request);
        if (!request.streamed) {
            budget.replySized(request.replyLength); // a streamed reply was sized when it started
        }
        repliesWritten(queue.writeDue());
    }

    @Override
    public void repliedInPlace(PendingRequest request, ByteBuf source, int index, int length) {
        router.answered(request);
        budget.replySized(length);
        int written = queue.writeHeadInPlace(request, source, index, length);
        if (written == 0) {
            written = queue.writeDue();
        }
        if (length > 0) {
            written |= ReplyQueue.WROTE;
        }
        repliesWritten(written);
    }

    @Override
    public void streamStarts(PendingRequest request, int bytes) {
        budget.replySized(bytes);
    }

    @Override
    public void streamed(ByteBuf chunk) {
        queue.writeStreamed(chunk, flushHook);
    }

    @Override
    public void streamCutShort() {
        if (lifecycle.compareTo(ClientLifecycle.CLOSING) >= 0) {
            return;
        }
        closedByUs = true;
        closeAfterWrites();
    }

    @Override
    public void forwardFailed(int command) {
        loopState.counters.addPool(pool.id, PoolStat.FORWARD_ERROR, 1);
        loopState.metrics.failed(pool.id, command);
    }

    @Override
    public ByteBuf errorReply(String reason) {
        return pool.protocol.failureReply(ctx.alloc(), reason);
    }

    @Override
    public void sessionLost() {
        if (lifecycle.compareTo(ClientLifecycle.CLOSING) >= 0) {
            return;
        }
        closedByUs = true;
        closeAfterWrites();
    }

    @Override
    public boolean gone() {
        return lifecycle == ClientLifecycle.CLOSED;
    }

    @Override
    public ByteBufAllocator allocator() {
        return ctx.alloc();
    }

    /** After replies were written ({@link ReplyQueue#WROTE}, {@link ReplyQueue#LAST}): resume, close, flush. */
    private void repliesWritten(int written) {
        if ((written & ReplyQueue.LAST) != 0) {
            advance(ClientLifecycle.CLOSE_AFTER_FLUSH);
        }
        if (held && !router.blocked() && (waiting == null || queue.isEmpty())) {
            held = false;
            if (!paused && (inbound != null || waiting != null) && lifecycle.reading()) {
                decodeAll();
            }
        }
        if (paused && lifecycle.reading() && mayResume()) {
            resume();
        }
        if (inputDone() || (lifecycle == ClientLifecycle.DRAINING && queue.isEmpty() && !decoding)) {
            advance(ClientLifecycle.CLOSE_AFTER_FLUSH);
            written |= ReplyQueue.LAST;
        }
        if (written != 0) {
            queue.scheduleFlush(flushHook);
        }
    }

    // ---------------------------------------------------------------- pausing and resuming

    private boolean mayResume() {
        return budget.allowsResume(queue.size()) && ctx.channel().isWritable()
                && (!held || inbound == null || inbound.readableBytes() < HELD_INPUT_LIMIT);
    }

    /**
     * Stops decoding this client until the loop has served the other connections: the rest of its
     * input is decoded in the loop's next iteration.
     */
    private void yieldTurn() {
        pause();
        turnYielded = true;
        // Scheduled, not executed: a task executed from a task runs in the same pass, before the
        // loop polls the other sockets again; a due scheduled task waits for the next pass.
        ctx.channel().eventLoop().schedule(continueAfterTurn, 0, TimeUnit.NANOSECONDS);
    }

    private final Runnable continueAfterTurn = () -> {
        if (!turnYielded) {
            return;
        }
        turnYielded = false;
        // Backpressure may have taken over meanwhile; then a drained reply queue resumes it.
        if (paused && lifecycle.reading() && mayResume()) {
            resume();
        }
    };

    private void pause() {
        paused = true;
        ctx.channel().config().setAutoRead(false);
    }

    private void resume() {
        paused = false;
        ctx.channel().config().setAutoRead(true);
        if ((inbound != null || waiting != null) && lifecycle.reading()) {
            decodeAll();
        }
        if (inputDone()) {
            // Everything the half-closed client sent is answered, now that it is read from again.
            advance(ClientLifecycle.CLOSE_AFTER_FLUSH);
            queue.scheduleFlush(flushHook);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        router.clientWritable(ctx.channel().isWritable());
        if (!ctx.channel().isWritable()) {
            if (!paused) {
                pause();
            }
        } else if (paused && lifecycle.reading() && mayResume()) {
            resume();
        }
        ctx.fireChannelWritabilityChanged();
    }

    // ---------------------------------------------------------------- closing

    /** The proxy drains: read nothing more, answer what was read, then close. */
    void drain() {
        if (!lifecycle.answering()) {
            return;
        }
        advance(ClientLifecycle.DRAINING);
        if (queue.isEmpty() && !decoding) {
            closedByUs = true;
            closeAfterWrites();
        }
    }

    /**
     * The client shut its write side and everything it sent has been answered: what is left in
     * the input, if anything, is an incomplete request that can never complete.
     */
    private boolean inputDone() {
        return inputShutdown && !decoding && lifecycle.answering() && queue.isEmpty() && !paused;
    }

    private void advance(ClientLifecycle next) {
        if (lifecycle.compareTo(next) < 0) {
            lifecycle = next;
        }
    }

    private boolean drainedAndAnswered() {
        return drained && !decoding && lifecycle.answering() && queue.isEmpty();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == PoolRemoved.EVENT) {
            drained = true;
            advance(ClientLifecycle.DRAINING);
            if (!paused) {
                pause();
            }
            if (drainedAndAnswered()) {
                closedByUs = true;
                closeAfterWrites();
            }
            return;
        }
        if (evt instanceof ChannelInputShutdownEvent) {
            inputShutdown = true;
            if (router.blocked() && lifecycle.answering()) {
                // Gone while a blocking command waits, which may be for ever: as Redis, close now.
                closeAfterWrites();
                return;
            }
            if (inputDone()) {
                closedByUs = false;
                closeAfterWrites();
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (lifecycle != ClientLifecycle.CLOSED) {
            log.debug("client {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
            loopState.counters.addPool(pool.id, PoolStat.CLIENT_ERR, 1);
            closedByUs = true;
            ctx.close();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        lifecycle = ClientLifecycle.CLOSED;
        if (!closedByUs) {
            loopState.counters.addPool(pool.id, PoolStat.CLIENT_EOF, 1);
        }
        loopState.counters.addPool(pool.id, PoolStat.CLIENT_CONNECTIONS, -1);
        log.debug("client {} of pool '{}' closed by {}", ctx.channel().remoteAddress(), pool.name,
                closedByUs ? "the proxy" : "the client");
        pool.clientClosed();
        router.clientGone();
        if (waiting != null) {
            waiting.release();
            waiting = null;
        }
        if (inbound != null) {
            inbound.release();
            inbound = null;
        }
        queue.discard();
        ctx.fireChannelInactive();
    }

    /**
     * Flushes, and closes once everything written so far has gone to the socket. A plain close
     * would drop what the socket could not take yet: the tail of large replies before a quit.
     */
    private void closeAfterWrites() {
        lifecycle = ClientLifecycle.CLOSING;
        queue.flush();
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    /** The session's one flush: what the loop calls when its replies are to go out. */
    private final class FlushHook extends Flushable {
        @Override
        void flushNow() {
            switch (lifecycle) {
                case CLOSED -> { }
                case CLOSE_AFTER_FLUSH -> {
                    closedByUs = !inputShutdown || drained;
                    closeAfterWrites();
                }
                default -> queue.flush();
            }
        }
    }
}
