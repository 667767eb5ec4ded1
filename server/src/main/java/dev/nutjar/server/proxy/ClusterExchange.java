package dev.nutjar.server.proxy;

import dev.nutjar.server.cluster.NodeAddress;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * A request sent to a Redis Cluster node on behalf of {@code target} (a client's request or a
 * fragment of one), keeping the request's bytes until its reply comes so that a redirect is
 * followed without the client seeing it: {@code -MOVED slot host:port} updates the slot map and
 * resends there; {@code -ASK slot host:port} sends {@code ASKING} and the request to the target;
 * {@code -TRYAGAIN} (keys of a slot being migrated) resends shortly. After
 * {@link #MAX_REDIRECTS} redirects the last one is the reply. A read sent to a replica is sent on
 * to the slot's master, once, when the replica's connection fails or the replica answers
 * {@code -LOADING} or {@code -MASTERDOWN}.
 */
final class ClusterExchange extends Exchange {
    static final int MAX_REDIRECTS = 5;
    private static final long TRYAGAIN_DELAY_MILLIS = 10;
    private static final byte[] ASKING = "*1\r\n$6\r\nASKING\r\n".getBytes(StandardCharsets.US_ASCII);

    private final ClusterUpstream upstream;
    private final Exchange target;
    private final int slot;
    /** The request's bytes, owned until the exchange ends. */
    private ByteBuf request;
    private int redirects;
    /** Sent to a replica of the slot, not (yet) to its master. */
    private boolean onReplica;

    /** @param request taken over */
    ClusterExchange(ClusterUpstream upstream, Exchange target, int slot, ByteBuf request) {
        super(target.replyKind);
        this.upstream = upstream;
        this.target = target;
        this.slot = slot;
        this.request = request;
        target.heldByBackend();
    }

    /** A read sent to a replica of {@code slot}; {@code request} taken over. */
    static ClusterExchange toReplica(ClusterUpstream upstream, Exchange target, int slot, ByteBuf request) {
        ClusterExchange exchange = new ClusterExchange(upstream, target, slot, request);
        exchange.onReplica = true;
        return exchange;
    }

    /**
     * The request at {@code index} of {@code source}, to keep: a retained view of the client's
     * input, cheaper than a copy (the input then goes back to Netty's pool, not the loop's spares).
     */
    static ByteBuf keep(ByteBuf source, int index, int length) {
        return source.retainedSlice(index, length);
    }

    @Override
    void replied(ByteBuf reply) {
        if (redirected(reply, reply.readerIndex(), reply.readableBytes())) {
            reply.release();
            return;
        }
        target.replied(reply);
        end();
    }

    @Override
    void replied(ByteBuf source, int index, int length) {
        if (redirected(source, index, length)) {
            return;
        }
        target.replied(source, index, length);
        end();
    }

    @Override
    void failed(String reason) {
        // A late reply may still come on the replica's connection: only a failed connection's reads move.
        if (onReplica && !abandoned) {
            toMaster();
            return;
        }
        target.failed(reason);
        end();
    }

    private void toMaster() {
        onReplica = false;
        upstream.connection(slot).send(this, request.retainedDuplicate());
    }

    private void end() {
        request.release();
        request = null;
        target.releasedByBackend();
    }

    /** Whether the reply is a redirect this exchange follows, and has. */
    private boolean redirected(ByteBuf source, int index, int length) {
        if (length < 8 || source.getByte(index) != '-' || redirects == MAX_REDIRECTS) {
            return false;
        }
        byte first = source.getByte(index + 1);
        if (first != 'M' && first != 'A' && first != 'T' && first != 'L') {
            return false;
        }
        String line = source.toString(index + 1, length - 3, StandardCharsets.US_ASCII);
        try {
            return follow(line.split(" "));
        } catch (IllegalArgumentException | IndexOutOfBoundsException malformed) {
            // Passed on to the client as the node sent it.
            return false;
        }
    }

    private boolean follow(String[] words) {
        switch (words[0]) {
            case "LOADING", "MASTERDOWN" -> {
                if (!onReplica) {
                    return false;
                }
                redirects++;
                toMaster();
                return true;
            }
            case "MOVED" -> {
                if (words.length != 3) {
                    return false;
                }
                NodeAddress to = NodeAddress.parse(words[2]);
                upstream.topology().moved(Integer.parseInt(words[1]), to);
                redirects++;
                onReplica = false;
                upstream.toNode(to).send(this, request.retainedDuplicate());
                return true;
            }
            case "ASK" -> {
                if (words.length != 3) {
                    return false;
                }
                BackendConnection to = upstream.toNode(NodeAddress.parse(words[2]));
                redirects++;
                to.send(new Asking(), PoolRuntime.ALLOCATOR.buffer(ASKING.length).writeBytes(ASKING));
                to.send(this, request.retainedDuplicate());
                return true;
            }
            case "TRYAGAIN" -> {
                redirects++;
                upstream.loop().loop.schedule(() -> upstream.connection(slot).send(this, request.retainedDuplicate()),
                        TRYAGAIN_DELAY_MILLIS, TimeUnit.MILLISECONDS);
                return true;
            }
            default -> {
                return false;
            }
        }
    }

    /** The {@code ASKING} before a request sent on after {@code -ASK}: its {@code +OK} is dropped. */
    private static final class Asking extends Exchange {
        Asking() {
            super(0);
        }

        @Override
        void replied(ByteBuf reply) {
            reply.release();
        }

        @Override
        void replied(ByteBuf source, int index, int length) {
        }

        @Override
        void failed(String reason) {
        }
    }
}
