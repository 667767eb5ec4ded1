package dev.nutjar.server.proxy;

import dev.nutjar.protocol.Frames;
import dev.nutjar.protocol.ProtocolException;
import dev.nutjar.protocol.ServerCodec;
import dev.nutjar.server.cluster.NodeAddress;
import dev.nutjar.server.sentinel.MasterRole;
import dev.nutjar.server.stats.ServerStat;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelProgressiveFuture;
import io.netty.channel.ChannelProgressiveFutureListener;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
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
 * <p>Late means the server is late, not the queue ({@link ServerSilence}): a request past its
 * deadline waits while the server is still sending or taking a large request, and one stall is
 * one server failure however many requests it fails.
 *
 * <p>A large reply to the request its client awaits next is passed on as it arrives
 * ({@link ReplyStream}). Once part of it is out, a failure (timeout, broken connection) cannot be
 * answered with an error: the client is closed instead, and the rest of a late reply is read and
 * thrown away.
 *
 * <p>In a Sentinel pool a new connection asks {@code ROLE} first and sends nothing else until the
 * server says it is a master; one that is not is closed, failing what waits on it, and the
 * sentinels are asked again, as they are on a {@code -READONLY} reply. A connection to a cluster
 * replica sends {@code READONLY} first in the same way, and is closed if the replica refuses it.
 *
 * <p>Longer than the other classes on purpose: it is one state machine (connect, send, read,
 * expire, break) over one queue of exchanges and one input buffer, whose invariants (reply order,
 * the count of abandoned exchanges, the position of a streamed reply) would be spread over
 * several types if it were cut further. What stands alone is apart: {@link ReplyStream},
 * {@link DeadlineTimer}, {@link ServerSilence}, {@link ServerQueues}, {@link SentRequests},
 * {@link FailureReasons}.
 */
final class BackendConnection extends Flushable {
    private static final Logger log = LoggerFactory.getLogger(BackendConnection.class);
    private static final byte[] READONLY = "*1\r\n$8\r\nREADONLY\r\n".getBytes(StandardCharsets.US_ASCII);

    /** Abandoned (timed-out) requests still owed a reply before the connection is given up. */
    static final int MAX_ABANDONED = 1024;

    private enum State { IDLE, CONNECTING, READY }

    /** The pool generation it serves and its server's index there: a reload moves a kept connection on. */
    private PoolRuntime pool;
    /** The server's index; -1 for a node of a cluster pool, found at run time and not counted per server. */
    private int server;
    /** The cluster node it connects to, or null for a server of the pool's list. */
    private final NodeAddress node;
    /** Told of redirects and failures of {@link #node}; null for a server of the pool's list. */
    private final ClusterNodeEvents cluster;
    /** For a cluster node: the bytes of the requests in {@link #awaiting}, to send one again where a redirect says. */
    private final SentRequests sent;
    /** To a cluster replica: {@code READONLY} first, so that it answers reads of its master's slots. */
    private final boolean replica;
    /** A replica's refusal of READONLY is logged once as a warning: it is tried again every few seconds. */
    private boolean readOnlyRefusalLogged;
    /** A reload took it out of its pool: it closes once the requests on it are answered. */
    private boolean retired;
    private final LoopState loopState;
    private final ArrayDeque<Exchange> awaiting = new ArrayDeque<>();
    /** Frames written while connecting; sent once the connection is up. */
    private final ArrayDeque<ByteBuf> unsent = new ArrayDeque<>();
    private final OutboundBatch batch;
    private final DeadlineTimer timer;
    private final ReplyStream stream = new ReplyStream();
    private final ServerQueues queues;
    private final ServerSilence silence;
    private State state = State.IDLE;
    private Channel channel;
    private ServerCodec codec;
    private ByteBuf inbound;
    private int handshakeRepliesLeft;
    /** In a Sentinel pool: the master's address the connection was opened to. */
    private SocketAddress masterAddress;
    /**
     * The last handshake reply decides whether the connection may carry requests (ROLE in a Sentinel
     * pool, READONLY to a cluster replica): they wait in {@link #unsent} until it.
     */
    private boolean checkingRole;
    private int abandoned;
    /** When metrics are recorded: the flushes done, and when the last {@link #FLUSH_TIMES} were. */
    private int flushes;
    private final long[] flushNanos;
    private static final int FLUSH_TIMES = 64;
    /** When the backend read being processed began. */
    private long readNanos;
    /** For a client's own connection (pub/sub, transaction, blocking): whom it reports to; else null. */
    private final DedicatedOwner dedicatedOwner;
    /** A dedicated connection is used once: it ended, and reported so. */
    private boolean ended;
    /** A dedicated connection closes once every request on it is answered. */
    private boolean closeWhenAnswered;

    BackendConnection(PoolRuntime pool, int server, LoopState loopState) {
        this(pool, server, null, null, false, loopState, null);
    }

    /** A connection to {@code node} of a cluster pool, which tells {@code cluster} of redirects and failures. */
    BackendConnection(PoolRuntime pool, NodeAddress node, LoopState loopState, ClusterNodeEvents cluster) {
        this(pool, -1, node, cluster, false, loopState, null);
    }

    /**
     * A connection to replica {@code node} of a cluster pool, made read-only before it carries a
     * request; it tells {@code cluster} of redirects, of its failures and of the reads it then lost.
     */
    static BackendConnection toReplica(PoolRuntime pool, NodeAddress node, LoopState loopState,
            ClusterNodeEvents cluster) {
        return new BackendConnection(pool, -1, node, cluster, true, loopState, null);
    }

    /**
     * A connection to {@code node} of a cluster pool for one client's session alone (see below): a
     * redirect is the client's to follow, as on its own connection to the node.
     */
    static BackendConnection dedicatedToNode(PoolRuntime pool, NodeAddress node, LoopState loopState,
            DedicatedOwner dedicatedOwner) {
        return new BackendConnection(pool, -1, node, null, false, loopState, dedicatedOwner);
    }

    /**
     * A connection for one client's session alone when {@code dedicatedOwner} is not null: it is
     * never reopened once it ends, replies nobody awaits go to its owner, and its failures do not
     * count towards the server's ejection.
     */
    BackendConnection(PoolRuntime pool, int server, LoopState loopState, DedicatedOwner dedicatedOwner) {
        this(pool, server, null, null, false, loopState, dedicatedOwner);
    }

    private BackendConnection(PoolRuntime pool, int server, NodeAddress node, ClusterNodeEvents cluster,
            boolean replica,
            LoopState loopState, DedicatedOwner dedicatedOwner) {
        this.dedicatedOwner = dedicatedOwner;
        this.pool = pool;
        this.server = server;
        this.node = node;
        this.cluster = cluster;
        this.sent = cluster == null ? null : new SentRequests(pool.buffers.coalesceLimit());
        this.replica = replica;
        this.loopState = loopState;
        this.batch = new OutboundBatch(pool.buffers, loopState.spares);
        this.timer = new DeadlineTimer(loopState, this::expire);
        this.queues = new ServerQueues(loopState.counters, pool.id, server);
        this.flushNanos = loopState.metrics.recording ? new long[FLUSH_TIMES] : null;
        this.silence = new ServerSilence(pool.timeoutNanos);
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

    /** The server sent bytes, took some of a large request, or the connection starts. */
    private void heardFromServer() {
        silence.heard(loopState.ticker().nanoTime());
    }

    // ---------------------------------------------------------------- sending

    /**
     * Sends a request whose reply completes {@code exchange}.
     *
     * @param frame the request bytes; taken over
     */
    void send(Exchange exchange, ByteBuf frame) {
        await(exchange, frame.readableBytes());
        if (sent != null) {
            sent.add(frame, frame.readerIndex(), frame.readableBytes());
        }
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
        if (sent != null) {
            sent.add(source, index, length);
        }
        write(source, index, length);
        armTimerFor(exchange);
    }

    /**
     * Sends a request the backend does not answer (memcached noreply).
     *
     * @param source holds the request at {@code index}; still the caller's, not retained
     */
    void sendWithoutReply(ByteBuf source, int index, int length) {
        queues.sentWithoutReply(length);
        write(source, index, length);
    }

    private void await(Exchange exchange, int bytes) {
        exchange.requestBytes = bytes;
        if (pool.timeoutNanos > 0) {
            exchange.deadline = loopState.nanoTime() + pool.timeoutNanos;
        }
        if (flushNanos != null) {
            exchange.queuedNanos = loopState.nanoTime();
            exchange.sentByFlush = flushes + 1;
        }
        awaiting.add(exchange);
        exchange.heldByBackend();
        queues.queued(bytes);
    }

    /**
     * Sends a request that may block at the server for as long as it likes (BLPOP): no deadline.
     *
     * @param source holds the request at {@code index}; still the caller's, not retained
     */
    void sendWithoutDeadline(Exchange exchange, ByteBuf source, int index, int length) {
        await(exchange, length);
        if (sent != null) {
            sent.add(source, index, length);
        }
        exchange.deadline = 0;
        write(source, index, length);
    }

    private void armTimerFor(Exchange exchange) {
        if (exchange.deadline != 0) {
            timer.arm(exchange.deadline);
        }
    }

    private void write(ByteBuf source, int index, int length) {
        if (state == State.READY && !checkingRole) {
            batch.write(channel, source, index, length);
            loopState.flushBackendLater(this);
        } else {
            write(Frames.retainedView(source, index, length));
        }
    }

    private void write(ByteBuf frame) {
        switch (state) {
            case READY -> {
                if (checkingRole) {
                    unsent.add(frame);
                    return;
                }
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
            queues.flushed();
            if (flushNanos != null) {
                flushNanos[++flushes & (FLUSH_TIMES - 1)] = loopState.backendFlushNanos();
            }
        }
    }

    // ---------------------------------------------------------------- connecting

    private void connect() {
        state = State.CONNECTING;
        heardFromServer();
        if (pool.sentinels != null) {
            masterAddress = pool.masterAddress(server);
            if (masterAddress == null) {
                noMasterAddress();
                return;
            }
        }
        codec = pool.protocol.newServerCodec(node == null ? pool.serverSettings(server) : pool.nodeSettings);
        Handler handler = new Handler();
        ChannelFuture future = node == null
                ? pool.connector.connect(server, loopState.loop, loopState.backendReadAllocator(pool), handler)
                : pool.connect(node, loopState.loop, loopState.backendReadAllocator(pool), handler);
        channel = future.channel();
        if (future.isDone()) {
            connected(future, handler);
        } else {
            future.addListener(f -> connected((ChannelFuture) f, handler));
        }
    }

    /** No sentinel has said where the master is: what waits fails, after this request's routing is done. */
    private void noMasterAddress() {
        channel = null;
        pool.sentinels.askAgain();
        loopState.loop.execute(() -> {
            if (state == State.CONNECTING && channel == null) {
                broken(FailureReasons.NO_MASTER_ADDRESS, false);
            }
        });
    }

    private void connected(ChannelFuture future, Handler handler) {
        if (future.channel() != channel) {
            return;
        }
        if (!future.isSuccess()) {
            Throwable cause = future.cause();
            log.debug("connect to server '{}' ({}) of pool '{}' failed: {}", name(), address(),
                    pool.name, cause.toString());
            count(ServerStat.SERVER_ERR, 1);
            broken(FailureReasons.of(cause), true);
            if (pool.sentinels != null) {
                pool.sentinels.askAgain();
            }
            return;
        }
        state = State.READY;
        log.debug("connected to server '{}' ({}) of pool '{}' from {}", name(), address(),
                pool.name, channel.localAddress());
        handler.counted = true;
        count(dedicatedOwner == null ? ServerStat.SERVER_CONNECTIONS : ServerStat.DEDICATED_CONNECTIONS, 1);
        count(ServerStat.CONNECTS, 1);
        ByteBuf handshake = codec.handshake(channel.alloc());
        if (handshake != null) {
            handshakeRepliesLeft = codec.handshakeReplies();
            batch.write(channel, handshake);
        }
        if (pool.sentinels != null || replica) {
            batch.write(channel, replica ? channel.alloc().buffer(READONLY.length).writeBytes(READONLY)
                    : MasterRole.request(channel.alloc()));
            handshakeRepliesLeft++;
            checkingRole = true;
            loopState.flushBackendLater(this);
            return;
        }
        sendUnsent();
    }

    /** Sends the requests that waited for the connection (and its ROLE check). */
    private void sendUnsent() {
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

    // ---------------------------------------------------------------- deadlines and failures

    /**
     * Fails every request whose reply is late, and waits for the next deadline; or, while the
     * server is not silent, looks again when it may be.
     */
    private void expire() {
        long now = loopState.ticker().nanoTime();
        if (!silence.late(now)) {
            timer.arm(silence.lookAgainAt());
            return;
        }
        long next = 0;
        List<Exchange> late = null;
        for (Exchange exchange : awaiting) {
            if (exchange.abandoned || exchange.deadline == 0) {
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
            late.get(i).timedOut();
        }
        if (expired > 0) {
            count(ServerStat.SERVER_TIMEDOUT, expired);
            if (silence.newStall(now)) {
                recordFailure();
            }
        }
        if (abandoned > MAX_ABANDONED) {
            log.warn("closing connection to {}: {} requests timed out on it", name(), abandoned);
            closeChannel();
            broken(FailureReasons.TIMED_OUT, false);
            return;
        }
        if (next != 0) {
            timer.arm(next);
        }
    }

    /** Fails everything on this connection and forgets it; the next request reconnects. */
    private void broken(String reason, boolean countFailure) {
        state = State.IDLE;
        channel = null;
        timer.cancel();
        batch.discard();
        if (inbound != null) {
            inbound.release();
            inbound = null;
        }
        ByteBuf frame;
        while ((frame = unsent.poll()) != null) {
            frame.release();
        }
        ByteBuf[] forMaster = null;
        if (sent != null) {
            forMaster = replica && !FailureReasons.SHUTTING_DOWN.equals(reason) ? keptForMaster() : null;
            sent.clear();
        }
        abandoned = 0;
        handshakeRepliesLeft = 0;
        checkingRole = false;
        stream.reset();
        if (countFailure) {
            recordFailure();
        }
        if (dedicatedOwner != null && !ended) {
            // Told first: the owner's client must not send here again, whatever failing its requests does.
            ended = true;
            dedicatedOwner.ended(this, !closeWhenAnswered);
        }
        // Taken out first: failing a request can resume its client, whose next requests then go
        // to a new connection and must not be failed with this one's.
        Exchange[] lost = awaiting.toArray(new Exchange[0]);
        awaiting.clear();
        long lostBytes = 0;
        for (Exchange exchange : lost) {
            lostBytes += exchange.requestBytes;
        }
        queues.lost(lost.length, lostBytes);
        for (int i = 0; i < lost.length; i++) {
            Exchange exchange = lost[i];
            if (!exchange.abandoned) {
                if (forMaster != null) {
                    cluster.replicaLost(this, exchange, forMaster[i]);
                } else {
                    exchange.failed(reason);
                }
            }
            exchange.releasedByBackend();
        }
    }

    /**
     * A copy of each awaited request's bytes, in order, for a replica whose reads go to the master
     * when it fails; null for one given up on.
     *
     * @return copies owned by the caller
     */
    private ByteBuf[] keptForMaster() {
        ByteBuf[] copies = new ByteBuf[awaiting.size()];
        int i = 0;
        for (Exchange exchange : awaiting) {
            if (!exchange.abandoned) {
                copies[i] = sent.copyOldest(exchange.requestBytes, PoolRuntime.ALLOCATOR);
            }
            sent.dropOldest(exchange.requestBytes);
            i++;
        }
        return copies;
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
            broken(FailureReasons.SHUTTING_DOWN, false);
        } else if (dedicatedOwner != null && !ended) {
            ended = true;
            dedicatedOwner.ended(this, false);
        }
    }

    /**
     * Closes this connection if it goes to an address its Sentinel pool's master is no longer at,
     * failing what is on it; the next request connects to the new address.
     */
    void dropIfMasterMoved() {
        if (pool.sentinels == null || state == State.IDLE || retired) {
            return;
        }
        SocketAddress now = pool.masterAddress(server);
        if (Objects.equals(now, masterAddress)) {
            return;
        }
        log.debug("closing a connection to server '{}' of pool '{}' at {}: the master is now at {}",
                pool.serverName(server), pool.name, masterAddress, now);
        closeChannel();
        broken(FailureReasons.MASTER_MOVED, false);
    }

    // ---------------------------------------------------------------- reload

    /**
     * A reload keeps this connection for server {@code server} of the pool's new generation: new
     * requests get its timeout; those on the connection finish as they were sent.
     */
    void movedTo(PoolRuntime next, int server) {
        this.pool = next;
        this.server = server;
        queues.movedTo(server);
    }

    /**
     * A reload removed the server, or changed how its connections are made: nothing new is sent
     * here; the connection closes once the requests on it are answered, uncounted.
     */
    void retire() {
        retired = true;
        queues.detach();
        closeIfRetiredAndIdle();
    }

    /**
     * A dedicated connection's session ends: it closes once the requests on it are answered, at
     * once when none is; its owner is told it {@link DedicatedOwner#ended ended}.
     */
    void closeWhenAnswered() {
        closeWhenAnswered = true;
        if (state == State.IDLE && !ended) {
            ended = true;
            dedicatedOwner.ended(this, false);
        }
        closeIfRetiredAndIdle();
    }

    /** Stops or restarts reading a dedicated connection's messages, as its client can take them. */
    void readMessages(boolean read) {
        if (channel != null && state == State.READY) {
            channel.config().setAutoRead(read);
        }
    }

    private void closeIfRetiredAndIdle() {
        if ((retired || closeWhenAnswered) && awaiting.isEmpty() && state != State.IDLE) {
            flushNow();
            closeChannel();
            broken(FailureReasons.SHUTTING_DOWN, false);
        }
    }

    // ---------------------------------------------------------------- reading replies

    /**
     * @param in taken over
     * @param now when it was read: one reading of the clock serves the silence and the latencies
     */
    private void read(ByteBuf in, long now) {
        readNanos = now;
        if (stream.passingOn()) {
            in = stream.passOn(in);
            if (in == null) {
                return;
            }
        }
        inbound = Cumulation.cumulate(channel.alloc(), inbound, in);
        try {
            while (inbound != null && inbound.isReadable()) {
                boolean progressed = handshakeRepliesLeft > 0 ? readHandshakeReply() : readReply();
                if (!progressed) {
                    break;
                }
            }
        } catch (ProtocolException e) {
            log.warn("bad reply from {} of pool {}: {}", name(), pool.name, e.getMessage());
            count(ServerStat.SERVER_ERR, 1);
            closeChannel();
            broken(FailureReasons.BAD_REPLY, true);
            return;
        }
        if (inbound != null && !inbound.isReadable()) {
            inbound.release();
            inbound = null;
        }
        closeIfRetiredAndIdle();
    }

    /** Reads a reply to the handshake (AUTH, SELECT); whether one was whole. */
    private boolean readHandshakeReply() {
        ByteBuf reply = codec.decode(inbound, 0);
        if (reply == null) {
            return false;
        }
        handshakeRepliesLeft--;
        if (checkingRole && handshakeRepliesLeft == 0 && replica) {
            String refused = codec.handshakeError(reply);
            reply.release();
            readOnlyChecked(refused);
            return true;
        }
        if (checkingRole && handshakeRepliesLeft == 0) {
            String role = MasterRole.of(reply);
            reply.release();
            roleChecked(role);
            return true;
        }
        String error = codec.handshakeError(reply);
        reply.release();
        if (error != null) {
            log.warn("handshake with {} of pool {} failed: {}", name(), pool.name, error);
        }
        return true;
    }

    /**
     * The server said its role: a master gets the requests that waited; anything else is closed,
     * failing them, and the sentinels are asked again. A server that does not answer ROLE (an ACL
     * that forbids it) is taken at the sentinels' word.
     */
    private void roleChecked(String role) {
        if (role == null) {
            log.warn("server '{}' of pool '{}' at {} does not answer ROLE; taking the sentinels' word that it is"
                    + " the master", pool.serverName(server), pool.name, masterAddress);
        } else if (!role.equals(MasterRole.MASTER)) {
            log.warn("server '{}' of pool '{}' at {} is a {}, not a master: closing the connection and asking the"
                    + " sentinels again", pool.serverName(server), pool.name, masterAddress, role);
            closeChannel();
            broken(FailureReasons.NOT_A_MASTER, false);
            pool.sentinels.askAgain();
            return;
        }
        checkingRole = false;
        sendUnsent();
    }

    /**
     * A replica answered {@code READONLY}: with {@code +OK} it gets the requests that waited; a
     * refusal (null when none) closes the connection, failing them (reads go to the master then),
     * and the replica is not read from until the topology reaches it again.
     */
    private void readOnlyChecked(String refused) {
        if (refused != null) {
            if (!readOnlyRefusalLogged) {
                readOnlyRefusalLogged = true;
                log.warn("replica {} of pool '{}' refused READONLY ({}): its reads go to the master", node, pool.name,
                        refused);
            } else {
                log.debug("replica {} of pool '{}' refused READONLY again ({})", node, pool.name, refused);
            }
            cluster.nodeFailed(this);
            closeChannel();
            broken(FailureReasons.NOT_READ_ONLY, false);
            return;
        }
        checkingRole = false;
        sendUnsent();
    }

    /**
     * Reads the reply to the oldest request, or starts streaming it; whether anything was read.
     * In place where the codec allows: a small reply is then copied straight to its client, with
     * no view made of it.
     */
    private boolean readReply() {
        Exchange exchange = awaiting.peek();
        if (exchange == null) {
            if (dedicatedOwner != null) {
                return readPushed();
            }
            throw new ProtocolException("reply with no request outstanding", null);
        }
        ByteBuf reply = null;
        int length = codec.replyLength(inbound, exchange.replyKind);
        if (length == ServerCodec.DECODE_ONLY) {
            reply = codec.decode(inbound, exchange.replyKind);
            length = reply == null ? -1 : reply.readableBytes();
        }
        if (length < 0) {
            if (!stream.active() && startStream(exchange)) {
                inbound = stream.passOn(inbound);
                return true;
            }
            return false;
        }
        awaiting.poll();
        queues.answered(exchange.requestBytes);
        if (flushNanos != null && server >= 0) {
            recordLatency(exchange);
        }
        count(ServerStat.RESPONSES, 1);
        int streamed = stream.endIfStreaming(exchange);
        count(ServerStat.RESPONSE_BYTES, (long) length + streamed);
        // Skipped before the exchange completes: completing it can close this connection.
        ByteBuf source = inbound;
        int index = source.readerIndex();
        if (reply == null) {
            source.skipBytes(length);
        }
        ByteBuf redirectedRequest = sent == null ? null
                : keptForRedirect(exchange, !exchange.abandoned && streamed == 0, reply != null ? reply : source,
                        reply != null ? reply.readerIndex() : index, length);
        if (exchange.abandoned) {
            lateReplyDropped(reply);
        } else if (redirectedRequest != null && cluster.redirected(this, exchange, redirectedRequest,
                reply != null ? reply : source, reply != null ? reply.readerIndex() : index, length)) {
            if (reply != null) {
                reply.release();
            }
        } else {
            if (server >= 0) {
                boolean failure = reply != null ? codec.isServerFailure(reply) : codec.isServerFailure(source, index, length);
                if (pool.sentinels != null && (reply != null ? MasterRole.isReadOnlyError(reply, reply.readerIndex(), length)
                        : MasterRole.isReadOnlyError(source, index, length))) {
                    // A replica: the master may have moved without a +switch-master heard.
                    pool.sentinels.askAgain();
                }
                if (failure) {
                    recordFailure();
                } else if (dedicatedOwner == null) {
                    pool.routing.recordSuccess(server);
                }
            }
            if (reply != null) {
                exchange.replied(reply);
            } else {
                exchange.replied(source, index, length);
            }
        }
        exchange.releasedByBackend();
        return true;
    }

    /**
     * Forgets the bytes of {@code exchange}, the oldest request, now answered; first copies them
     * when the reply, whole in {@code reply} at {@code index}, may redirect it (an error whose
     * first letter is that of {@code MOVED}, {@code ASK}, {@code TRYAGAIN} or, from a replica, {@code LOADING}).
     *
     * @return the copy, owned by the caller; or null
     */
    private ByteBuf keptForRedirect(Exchange exchange, boolean whole, ByteBuf reply, int index, int length) {
        ByteBuf copy = null;
        if (whole && length >= 8 && reply.getByte(index) == '-') {
            byte first = reply.getByte(index + 1);
            // A replica's -LOADING or -MASTERDOWN sends the read to the master.
            if (first == 'M' || first == 'A' || first == 'T' || (replica && first == 'L')) {
                copy = sent.copyOldest(exchange.requestBytes, channel.alloc());
            }
        }
        sent.dropOldest(exchange.requestBytes);
        return copy;
    }

    /** The cluster node it connects to; null for a server of the pool's list. */
    NodeAddress node() {
        return node;
    }

    /** Whether it connects to a cluster replica, for reads. */
    boolean isReplica() {
        return replica;
    }

    /** Reads a frame no request awaits (a pub/sub message) and gives it to the owner; whether one was whole. */
    private boolean readPushed() {
        int length = codec.replyLength(inbound, 0);
        ByteBuf frame = null;
        if (length == ServerCodec.DECODE_ONLY) {
            frame = codec.decode(inbound, 0);
            length = frame == null ? -1 : frame.readableBytes();
        }
        if (length < 0) {
            return false;
        }
        count(ServerStat.RESPONSES, 1);
        count(ServerStat.RESPONSE_BYTES, length);
        ByteBuf source = frame != null ? frame : inbound;
        int index = source.readerIndex();
        if (frame == null) {
            inbound.skipBytes(length);
        }
        try {
            dedicatedOwner.pushed(this, source, index, length);
        } finally {
            if (frame != null) {
                frame.release();
            }
        }
        return true;
    }

    /**
     * Splits the exchange's time into queued in the proxy and at the server, by the time of the
     * flush that sent it; one sent more than {@link #FLUSH_TIMES} flushes ago counts as sent when
     * queued.
     */
    private void recordLatency(Exchange exchange) {
        long queued = exchange.queuedNanos;
        int sinceSent = flushes - exchange.sentByFlush;
        long sent = sinceSent >= 0 && sinceSent < FLUSH_TIMES
                ? flushNanos[exchange.sentByFlush & (FLUSH_TIMES - 1)] : queued;
        sent = Math.min(Math.max(sent, queued), readNanos);
        loopState.metrics.replied(pool.id, server, sent - queued, Math.max(0, readNanos - sent));
    }

    /** The reply to a request that timed out came: nobody awaits it. */
    private void lateReplyDropped(ByteBuf reply) {
        count(ServerStat.LATE_REPLIES, 1);
        abandoned--;
        if (reply != null) {
            reply.release();
        }
    }

    /**
     * Starts passing on the reply now partly in {@link #inbound}, when it is large and its client
     * awaits it next.
     */
    private boolean startStream(Exchange exchange) {
        // Checked first: once the codec offers a part, the part must be taken.
        if (!(exchange instanceof PendingRequest request) || !request.streamable()) {
            return false;
        }
        int length = codec.streamableLength(inbound, exchange.replyKind, ReplyStream.MIN_LENGTH);
        if (length < 0) {
            return false;
        }
        stream.start(request, length);
        return true;
    }

    /** The server's address as configured, for the log. */
    private String address() {
        return node != null ? node.toString() : pool.servers().get(server).address();
    }

    /** The server's name, for the log. */
    private String name() {
        return node != null ? node.toString() : pool.serverName(server);
    }

    /**
     * A failure of the server: counted toward its ejection, or for a cluster node, the map refreshed;
     * not for a dedicated connection, whose client may be the cause.
     */
    private void recordFailure() {
        if (dedicatedOwner != null) {
            return;
        }
        if (server >= 0) {
            pool.routing.recordFailure(server);
        } else if (cluster != null) {
            cluster.nodeFailed(this);
        }
    }

    private void count(ServerStat stat, long delta) {
        if (retired || server < 0) {
            return;
        }
        loopState.counters.addServer(pool.id, server, stat, delta);
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
            long now = loopState.ticker().nanoTime();
            silence.heard(now);
            read((ByteBuf) msg, now);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            loopState.flushReplies();
            ctx.fireChannelReadComplete();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (counted) {
                counted = false;
                count(dedicatedOwner == null ? ServerStat.SERVER_CONNECTIONS : ServerStat.DEDICATED_CONNECTIONS, -1);
            }
            if (ctx.channel() == channel) {
                log.debug("server '{}' ({}) of pool '{}' closed the connection", name(),
                        address(), pool.name);
                count(ServerStat.SERVER_EOF, 1);
                broken(FailureReasons.SERVER_CLOSED, true);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (ctx.channel() == channel) {
                log.debug("connection to server '{}' ({}) of pool '{}' failed: {}", name(),
                        address(), pool.name, cause.toString());
                count(ServerStat.SERVER_ERR, 1);
                closeChannel();
                broken(FailureReasons.of(cause), true);
            }
            ctx.close();
        }
    }
}
