package dev.nutjar.server.proxy;

import dev.nutjar.protocol.ClientCodec;
import dev.nutjar.protocol.ProtocolException;
import dev.nutjar.protocol.Request;
import dev.nutjar.protocol.Split;
import dev.nutjar.protocol.ThreadLocalPool;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: decodes its requests, routes and forwards them, and writes the replies
 * back in the order of the requests, whichever backend answers first.
 *
 * <p>Memory stays bounded: the connection stops reading when the client stops reading what is
 * written to it, and when it has as many requests in flight as its reply budget allows. That is
 * {@link #REPLY_BUDGET} bytes divided by the size of its recent replies, between one request and
 * {@link #MAX_PENDING}; before its first reply, {@link #INITIAL_IN_FLIGHT}. A client pipelining
 * small requests keeps thousands in flight; one asking for large values, or never reading, cannot
 * make the proxy hold more than about the budget in replies for it.
 */
final class ClientConnection extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ClientConnection.class);

    /** The most requests in flight (sent, or answered but not yet written) per client. */
    static final int MAX_PENDING = 1024;
    /**
     * Requests in flight before the size of the client's replies is known: they may all be large,
     * and queue ahead of other clients' requests on a shared backend connection.
     */
    static final int INITIAL_IN_FLIGHT = 4;
    /**
     * Bytes of replies a client's requests in flight may bring, by the estimate of its reply size:
     * what the proxy holds for a client that reads slowly, and what its requests put ahead of
     * other clients' on a shared backend connection (a few milliseconds of a server's time).
     */
    static final long REPLY_BUDGET = 4L * 1024 * 1024;
    /**
     * Requests decoded from one client before the other connections of the loop get their turn: a
     * client pipelining thousands of requests must not hold up those waiting on one.
     */
    static final int DECODE_TURN = 256;

    final PoolRuntime pool;
    private final LoopState loopState;
    private final ClientCodec codec;
    private final ArrayDeque<PendingRequest> pending = new ArrayDeque<>();
    /** Spare reply slots of the loop's thread (the connection is made on it). */
    private final ThreadLocalPool.Local<PendingRequest> slots = PendingRequest.localPool();
    private final FlushHook flushHook = new FlushHook();
    private final OutboundBatch replies;
    private ChannelHandlerContext ctx;
    private ByteBuf inbound;
    private int[] serverOfKey = new int[16];
    /** No more requests are read: QUIT, a protocol error, or the connection closed. */
    private boolean draining;
    private boolean paused;
    boolean closed;
    /** Recent reply size: rises at once to a larger reply, falls by an eighth of the gap per reply; 0 before any. */
    private long replySizeEstimate;
    private boolean decoding;
    /** Counts the runs of the decoder: the requests of one run were sent together. */
    private int decodeRun;
    /** The {@link PendingRequest#decodeRun} of the last reply written. */
    private int lastWrittenRun;

    ClientConnection(PoolRuntime pool, LoopState loopState) {
        this.pool = pool;
        this.loopState = loopState;
        this.codec = pool.protocol.newClientCodec(pool.protocolSettings);
        this.replies = new OutboundBatch(pool.buffers, loopState.spares);
    }

    ByteBufAllocator allocator() {
        return ctx.alloc();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        loopState.counters.addPool(pool.id, LoopCounters.CLIENT_CONNECTIONS, 1);
        loopState.counters.addPool(pool.id, LoopCounters.CLIENTS_ACCEPTED, 1);
        ctx.fireChannelActive();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        if (draining) {
            in.release();
            return;
        }
        inbound = cumulate(ctx.alloc(), inbound, in);
        decodeAll();
    }

    /**
     * Beyond this many bytes a cumulation is a composite of the reads rather than a copy: a large
     * value arriving in many reads is then neither copied nor moved into ever larger buffers (each
     * new buffer above Netty's chunk size is allocated outside its pool and zeroed first).
     */
    static final int COMPOSE_ABOVE = 64 * 1024;
    /** A read less full than this fraction of its buffer is compacted before it is kept in a composite. */
    private static final int COMPACT_BELOW_FILL_DIVISOR = 2;

    /**
     * Appends {@code in} to {@code cumulation}. When the cumulation's bytes fit in the room before
     * {@code in}'s reader index (a read with headroom, see {@link ReadBufferAllocator}), they are
     * copied there instead: usually the few bytes of a cut message rather than a whole read. When
     * both together exceed {@link #COMPOSE_ABOVE}, the reads are kept as the parts of a composite
     * buffer, without a copy. Otherwise the bytes of {@code in} are copied, into the cumulation
     * unless a request still holds a slice of it (its reference count is above one) or it has no
     * room.
     *
     * @param cumulation taken over; may be null
     * @param in taken over
     * @return the bytes of both, owned by the caller
     */
    static ByteBuf cumulate(ByteBufAllocator alloc, ByteBuf cumulation, ByteBuf in) {
        if (cumulation == null) {
            return in;
        }
        int carried = cumulation.readableBytes();
        int start = in.readerIndex() - carried;
        // Only into room nobody else sees: bytes before the reader index may have been passed on
        // as a retained slice (a streamed reply), which raises the count.
        if (start >= 0 && in.refCnt() == 1) {
            in.setBytes(start, cumulation, cumulation.readerIndex(), carried);
            in.readerIndex(start);
            cumulation.release();
            return in;
        }
        if ((long) carried + in.readableBytes() > COMPOSE_ABOVE) {
            return compose(alloc, cumulation, in);
        }
        try {
            if (cumulation.refCnt() == 1 && !cumulation.isReadOnly() && !(cumulation instanceof CompositeByteBuf)) {
                if (cumulation.writableBytes() < in.readableBytes()) {
                    cumulation.discardReadBytes();
                }
                if (cumulation.writableBytes() >= in.readableBytes()
                        || cumulation.maxWritableBytes() >= in.readableBytes()) {
                    cumulation.writeBytes(in);
                    return cumulation;
                }
            }
            return copyOf(alloc, cumulation, in);
        } finally {
            in.release();
        }
    }

    /**
     * Adds {@code in} to a composite of the reads. A composite that requests were taken from is not
     * added to: the rest of it (the start of the next request, at most about a read) is copied into
     * a new one, so that a client forever mid-request does not keep every earlier read alive.
     *
     * @param cumulation taken over
     * @param in taken over
     */
    private static ByteBuf compose(ByteBufAllocator alloc, ByteBuf cumulation, ByteBuf in) {
        if (in.readableBytes() < in.capacity() / COMPACT_BELOW_FILL_DIVISOR) {
            // A short read in a large buffer: kept as it is, a trickling client would hold many
            // times its bytes.
            ByteBuf compact = alloc.directBuffer(in.readableBytes());
            compact.writeBytes(in);
            in.release();
            in = compact;
        }
        if (cumulation instanceof CompositeByteBuf composite && composite.refCnt() == 1 && composite.readerIndex() == 0) {
            return composite.addComponent(true, in);
        }
        ByteBuf head = cumulation;
        if (cumulation.refCnt() != 1 || cumulation.readerIndex() != 0 || cumulation instanceof CompositeByteBuf) {
            head = alloc.directBuffer(cumulation.readableBytes());
            head.writeBytes(cumulation);
            cumulation.release();
        }
        // Never consolidated (that would copy it all): the composite is as long as the request.
        return alloc.compositeDirectBuffer(Integer.MAX_VALUE).addComponents(true, head, in);
    }

    /**
     * @param cumulation taken over
     * @param in still the caller's
     */
    private static ByteBuf copyOf(ByteBufAllocator alloc, ByteBuf cumulation, ByteBuf in) {
        ByteBuf merged = alloc.buffer(Math.max(cumulation.readableBytes() + in.readableBytes(), 256));
        merged.writeBytes(cumulation).writeBytes(in);
        cumulation.release();
        return merged;
    }

    private void decodeAll() {
        if (decoding) {
            return; // resumed from a reply written while decoding: the running loop goes on
        }
        decoding = true;
        decodeRun++;
        loopState.clientDecodeStarts();
        ByteBuf in = inbound;
        int decoded = 0;
        try {
            while (!paused && !draining && in.isReadable()) {
                Request request = codec.decode(in);
                if (request == null) {
                    break;
                }
                dispatch(request);
                if (pending.size() >= maxInFlight() && !paused) {
                    // The rest of the input waits in the cumulation until replies drain.
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

    /** How many requests this client may have in flight, given the size of its recent replies. */
    int maxInFlight() {
        long estimate = replySizeEstimate;
        if (estimate == 0) {
            return INITIAL_IN_FLIGHT;
        }
        return (int) Math.max(1, Math.min(MAX_PENDING, REPLY_BUDGET / estimate));
    }

    /** Whether a paused client may be read from again: its replies drained to a quarter of its allowance. */
    private boolean mayResume() {
        return pending.size() <= maxInFlight() / 4 && ctx.channel().isWritable();
    }

    /** Notes the size of a reply about to be queued for this client. */
    void replySized(int bytes) {
        long estimate = replySizeEstimate;
        replySizeEstimate = bytes >= estimate ? Math.max(bytes, 1) : estimate - ((estimate - bytes) >> 3);
    }

    /** Puts {@code slot} at the end of the reply queue, as sent with the others of this decoder run. */
    private void enqueue(PendingRequest slot) {
        slot.decodeRun = decodeRun;
        pending.add(slot);
    }

    private void protocolError(ProtocolException e) {
        loopState.counters.addPool(pool.id, LoopCounters.CLIENT_ERR, 1);
        log.debug("protocol error from {}: {}", ctx.channel().remoteAddress(), e.getMessage());
        PendingRequest slot = PendingRequest.of(slots, this, null);
        slot.closeAfterReply = true;
        enqueue(slot);
        draining = true;
        ByteBuf reply = e.reply() == null
                ? Unpooled.EMPTY_BUFFER
                : Unpooled.copiedBuffer(e.reply(), StandardCharsets.UTF_8);
        slot.finish(reply);
    }

    private void dispatch(Request request) {
        switch (request.action()) {
            case LOCAL -> {
                PendingRequest slot = PendingRequest.of(slots, this, request);
                slot.closeAfterReply = request.closeAfterReply();
                if (slot.closeAfterReply) {
                    draining = true;
                }
                enqueue(slot);
                ByteBuf reply = request.localReply(ctx.alloc());
                slot.finish(reply == null ? Unpooled.EMPTY_BUFFER : reply);
            }
            case FORWARD -> forward(request);
            case SPLIT -> split(PendingRequest.of(slots, this, request), request);
        }
    }

    private void forward(Request request) {
        int keys = request.keyCount();
        int server = route(request, 0);
        if (keys > 1 && request.keysMustShareServer()) {
            for (int k = 1; k < keys; k++) {
                if (route(request, k) != server) {
                    PendingRequest slot = PendingRequest.of(slots, this, request);
                    enqueue(slot);
                    slot.finish(request.crossServerReply(ctx.alloc()));
                    return;
                }
            }
        }
        boolean expectsReply = request.expectsReply();
        // A noreply request has no place in the reply queue: it gets no slot at all. The slot
        // does not keep the request: once its bytes are on their way, only its reply kind matters.
        PendingRequest slot = expectsReply ? PendingRequest.of(slots, this, request.replyKind()) : null;
        if (expectsReply) {
            enqueue(slot);
        }
        if (server < 0) {
            request.release();
            if (expectsReply) {
                slot.fail(PoolRuntime.NO_LIVE_SERVER);
            }
            return;
        }
        BackendConnection backend = loopState.backend(pool, server);
        if (expectsReply) {
            backend.send(slot, request.frameSource(), request.frameIndex(), request.frameLength());
        } else {
            backend.sendWithoutReply(request.frameSource(), request.frameIndex(), request.frameLength());
        }
        // Copied into the backend's batch, or passed on as a view of its own: released now, so the
        // request's objects go back to their pools while still in cache, and the client's input
        // buffer is free again once the last request read from it is forwarded.
        request.release();
    }

    private void split(PendingRequest slot, Request request) {
        int keys = request.keyCount();
        if (serverOfKey.length < keys) {
            serverOfKey = new int[Math.max(keys, serverOfKey.length * 2)];
        }
        enqueue(slot);
        for (int k = 0; k < keys; k++) {
            int server = route(request, k);
            if (server < 0) {
                slot.fail(PoolRuntime.NO_LIVE_SERVER);
                return;
            }
            serverOfKey[k] = server;
        }
        Split split = request.split(serverOfKey, ctx.alloc());
        int fragments = split.fragmentCount();
        slot.splitInto(split);
        loopState.counters.addPool(pool.id, LoopCounters.FRAGMENTS, fragments);
        int replyKind = split.replyKind();
        for (int f = 0; f < fragments; f++) {
            ByteBuf bytes = split.takeRequest(f);
            loopState.backend(pool, split.server(f)).send(new PendingRequest.Fragment(slot, f, replyKind), bytes);
        }
    }

    private int route(Request request, int key) {
        return pool.routing.route(request.keyBuffer(key), request.keyIndex(key), request.keyLength(key));
    }

    void countForwardError() {
        loopState.counters.addPool(pool.id, LoopCounters.FORWARD_ERROR, 1);
    }

    /** Writes every finished reply at the head of the queue, in request order. */
    void replyReady() {
        afterReplies(writeFinished());
    }

    /**
     * The reply to the request at the head of the queue arrived: it is written at once, straight
     * from the backend's input (copied when small), then every finished reply behind it.
     *
     * @param source holds the reply at {@code index}; still the caller's, not retained
     */
    void headReplied(PendingRequest head, ByteBuf source, int index, int length) {
        head.done = true;
        replySized(length);
        boolean close = writeHead(head, source, index, length);
        afterReplies(close || writeFinished() || length > 0);
    }

    /** @return whether anything was written, or the connection is to close after the writes */
    private boolean writeFinished() {
        boolean wrote = false;
        PendingRequest head;
        while ((head = pending.peek()) != null && head.done) {
            ByteBuf reply = head.reply;
            head.reply = null;
            wrote |= head.replyLength > 0;
            boolean close = writeHead(head, reply, head.replyIndex, head.replyLength);
            reply.release();
            if (close) {
                return true;
            }
        }
        return wrote;
    }

    /**
     * Takes the head of the queue off, writes its reply and lets it go.
     *
     * @param holder holds the reply at {@code index}; still the caller's
     * @return whether the connection closes after this reply
     */
    private boolean writeHead(PendingRequest head, ByteBuf holder, int index, int length) {
        pending.poll();
        lastWrittenRun = head.decodeRun;
        if (length > 0) {
            replies.write(ctx.channel(), holder, index, length);
        }
        boolean close = head.closeAfterReply;
        head.release();
        if (close) {
            closeAfterFlush = true;
        }
        return close;
    }

    private void afterReplies(boolean wrote) {
        if (paused && !draining && mayResume()) {
            resume();
        }
        if (inputDone()) {
            closeAfterFlush = true;
            wrote = true;
        }
        if (wrote) {
            if (pending.isEmpty()) {
                // Everything answered: the client is waiting, send now.
                loopState.flushRepliesLater(flushHook);
            } else if (replies.holdsAChunk()) {
                loopState.flushLater(flushHook);
            } else if (pending.peek().decodeRun == lastWrittenRun) {
                // Replies are due to requests sent with these (a pipeline spread over servers):
                // one write for all of them rather than one per server, if they come soon.
                loopState.holdReplies(flushHook);
            } else {
                // What the client sent together is answered; its later requests may take long.
                loopState.flushRepliesLater(flushHook);
            }
        }
    }

    /** Whether {@code request} is the first whose reply is still to be written, to a client still open. */
    boolean isNextReply(PendingRequest request) {
        return pending.peek() == request && !closed && !closeStarted && !closeAfterFlush;
    }

    /**
     * Writes part of the reply at the head of the queue as it arrives (see {@link #isNextReply}).
     *
     * @param chunk taken over
     */
    void writeStreamed(ByteBuf chunk) {
        replies.write(ctx.channel(), chunk);
        loopState.flushLater(flushHook);
    }

    /**
     * The reply at the head was written in part and will not be finished: nothing can follow it, so
     * the connection is closed once what was written has gone out.
     */
    void cutShort() {
        if (closed || closeStarted) {
            return;
        }
        draining = true;
        closedByUs = true;
        closeAfterWrites();
    }

    /**
     * The client shut its write side and everything it sent has been answered: what is left in
     * the input, if anything, is an incomplete request that can never complete.
     */
    private boolean inputDone() {
        return inputShutdown && !closeStarted && !closeAfterFlush && pending.isEmpty() && !paused;
    }

    private boolean closeAfterFlush;

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

    private boolean turnYielded;
    private final Runnable continueAfterTurn = () -> {
        if (!turnYielded) {
            return;
        }
        turnYielded = false;
        // Backpressure may have taken over meanwhile; then a drained reply queue resumes it.
        if (paused && !closed && !draining && mayResume()) {
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
        if (inbound != null && !draining) {
            decodeAll();
        }
        if (inputDone()) {
            // Everything the half-closed client sent is answered, now that it is read from again.
            closeAfterFlush = true;
            loopState.flushRepliesLater(flushHook);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (!ctx.channel().isWritable()) {
            if (!paused) {
                pause();
            }
        } else if (paused && !draining && mayResume()) {
            resume();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closed = true;
        draining = true;
        if (!closedByUs) {
            loopState.counters.addPool(pool.id, LoopCounters.CLIENT_EOF, 1);
        }
        loopState.counters.addPool(pool.id, LoopCounters.CLIENT_CONNECTIONS, -1);
        pool.clientClosed();
        if (inbound != null) {
            inbound.release();
            inbound = null;
        }
        replies.discard();
        PendingRequest p;
        while ((p = pending.poll()) != null) {
            p.release();
        }
        ctx.fireChannelInactive();
    }

    private boolean closedByUs;
    /** The client shut its write side: answer what it sent (buffered input too), then close. */
    private boolean inputShutdown;
    private boolean closeStarted;

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            inputShutdown = true;
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
        if (!closed) {
            log.debug("client {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
            loopState.counters.addPool(pool.id, LoopCounters.CLIENT_ERR, 1);
            closedByUs = true;
            ctx.close();
        }
    }

    private final class FlushHook extends Flushable {
        @Override
        void flushNow() {
            if (closed) {
                return;
            }
            if (closeAfterFlush) {
                closeAfterFlush = false;
                closedByUs = !inputShutdown;
                closeAfterWrites();
            } else {
                replies.flush(ctx.channel());
            }
        }
    }

    /**
     * Flushes, and closes once everything written so far has gone to the socket. A plain close
     * would drop what the socket could not take yet: the tail of large replies before a quit.
     */
    private void closeAfterWrites() {
        closeStarted = true;
        replies.flush(ctx.channel());
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
}
