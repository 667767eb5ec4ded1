package dev.nutjar.server.proxy;

import dev.nutjar.routing.ClusterSlot;
import dev.nutjar.server.cluster.NodeAddress;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * A request that a Redis Cluster node redirected, sent on for {@code target} (a client's request
 * or a fragment of one) without the client seeing it: {@code -MOVED slot host:port} updates the
 * slot map and resends there; {@code -ASK slot host:port} sends {@code ASKING} and the request to
 * the target; {@code -TRYAGAIN} (keys of a slot being migrated) resends shortly. After
 * {@link #MAX_REDIRECTS} redirects the last one is the reply. A read that a replica cannot answer
 * ({@code -LOADING}, {@code -MASTERDOWN}, or its connection broke) is sent to the replica's master.
 *
 * <p>Made at the first redirect only: until then a request goes out as any other, and its
 * connection keeps its bytes ({@link SentRequests}), so the common path allocates nothing.
 */
final class ClusterExchange extends Exchange {
    static final int MAX_REDIRECTS = 5;
    private static final long TRYAGAIN_DELAY_MILLIS = 10;
    private static final byte[] ASKING = "*1\r\n$6\r\nASKING\r\n".getBytes(StandardCharsets.US_ASCII);

    private final ClusterUpstream upstream;
    private final Exchange target;
    /** The slot a redirect named; {@link #UNKNOWN_SLOT} until one did. */
    private int slot = UNKNOWN_SLOT;
    private int redirects;

    private static final int UNKNOWN_SLOT = -1;

    private ClusterExchange(ClusterUpstream upstream, Exchange target) {
        super(target.replyKind);
        this.upstream = upstream;
        this.target = target;
        target.heldByBackend();
    }

    /**
     * Sends {@code exchange} on where its reply says, when that is a redirect and one more is
     * allowed (see {@link ClusterNodeEvents#redirected}).
     *
     * @param request the request's bytes; taken over
     * @param reply holds the reply at {@code index}; still the caller's
     */
    static boolean follow(ClusterUpstream upstream, BackendConnection from, Exchange exchange, ByteBuf request,
            ByteBuf reply, int index, int length) {
        ClusterExchange redirected = exchange instanceof ClusterExchange again ? again : null;
        String[] words = redirected == null || redirected.redirects < MAX_REDIRECTS ? words(reply, index, length) : null;
        if (words == null || !isRedirect(words, from.isReplica())) {
            request.release();
            return false;
        }
        if (redirected == null) {
            redirected = new ClusterExchange(upstream, exchange);
        }
        redirected.follow(words, from, request);
        return true;
    }

    /** The words of an error line, without its {@code -} and line end; null when it is not one. */
    private static String[] words(ByteBuf reply, int index, int length) {
        if (length < 3 || reply.getByte(index) != '-') {
            return null;
        }
        return reply.toString(index + 1, length - 3, StandardCharsets.US_ASCII).split(" ");
    }

    /**
     * Sends {@code exchange}, a read that replica connection {@code from} lost when it broke, to the
     * replica's master.
     *
     * @param request the request's bytes; taken over
     */
    static void toMaster(ClusterUpstream upstream, BackendConnection from, Exchange exchange, ByteBuf request) {
        ClusterExchange sent = exchange instanceof ClusterExchange again ? again : new ClusterExchange(upstream, exchange);
        sent.redirects++;
        upstream.masterOf(from.node()).send(sent, request);
    }

    /** Whether the words are a redirect this exchange can follow: a malformed one goes to the client as sent. */
    private static boolean isRedirect(String[] words, boolean fromReplica) {
        try {
            return switch (words[0]) {
                case "LOADING", "MASTERDOWN" -> fromReplica;
                case "MOVED", "ASK" -> words.length == 3 && slotOf(words[1]) >= 0 && slotOf(words[1]) < ClusterSlot.SLOTS
                        && NodeAddress.parse(words[2]) != null;
                case "TRYAGAIN" -> true;
                default -> false;
            };
        } catch (IllegalArgumentException malformed) {
            return false;
        }
    }

    private static int slotOf(String word) {
        return Integer.parseInt(word);
    }

    /** @param request taken over */
    private void follow(String[] words, BackendConnection from, ByteBuf request) {
        redirects++;
        switch (words[0]) {
            case "MOVED" -> {
                slot = slotOf(words[1]);
                NodeAddress to = NodeAddress.parse(words[2]);
                upstream.topology().moved(slot, to);
                upstream.toNode(to).send(this, request);
            }
            case "ASK" -> {
                slot = slotOf(words[1]);
                BackendConnection to = upstream.toNode(NodeAddress.parse(words[2]));
                to.send(new DroppedReply(), PoolRuntime.ALLOCATOR.buffer(ASKING.length).writeBytes(ASKING));
                to.send(this, request);
            }
            case "LOADING", "MASTERDOWN" -> upstream.masterOf(from.node()).send(this, request);
            default -> {
                // TRYAGAIN names no slot: the slot's node as now known, else the node that said it.
                NodeAddress node = from.node();
                upstream.loop().loop.schedule(() -> retry(node, request), TRYAGAIN_DELAY_MILLIS, TimeUnit.MILLISECONDS);
            }
        }
    }

    /** @param request taken over */
    private void retry(NodeAddress node, ByteBuf request) {
        (slot == UNKNOWN_SLOT ? upstream.toNode(node) : upstream.connection(slot)).send(this, request);
    }

    @Override
    void replied(ByteBuf reply) {
        target.replied(reply);
        target.releasedByBackend();
    }

    @Override
    void replied(ByteBuf source, int index, int length) {
        target.replied(source, index, length);
        target.releasedByBackend();
    }

    @Override
    void failed(String reason) {
        target.failed(reason);
        target.releasedByBackend();
    }
}
