package dev.nutjar.server.proxy;

import dev.nutjar.protocol.Request;
import dev.nutjar.protocol.SessionCodec;
import dev.nutjar.protocol.SessionRole;
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;

/**
 * A client's pub/sub over the servers: each channel is subscribed on its server's connection,
 * patterns on every server (in a cluster pool, where a PUBLISH reaches every node, channels and
 * patterns on one master, shard channels on their slot's master); the proxy confirms with the
 * client's totals once the servers confirmed, and passes messages on. Runs only outside a transaction and watched keys
 * ({@link SessionModes} refuses it there), so none of the client's connections is pinned.
 */
final class PubSubMode implements DedicatedConnections.Pushes {
    private final SessionCodec codec;
    private final SessionRequests requests;
    private final DedicatedConnections connections;
    private final Subscriptions subscriptions = new Subscriptions();
    private final Confirmations confirmations;

    PubSubMode(SessionCodec codec, SessionRequests requests, DedicatedConnections connections) {
        this.codec = codec;
        this.requests = requests;
        this.connections = connections;
        this.confirmations = new Confirmations();
    }

    /** Whether the client is subscribed to anything: then only (un)subscriptions, PING and QUIT are allowed. */
    boolean subscribed() {
        return subscriptions.any();
    }

    /**
     * Routes a request of a subscribed client.
     *
     * @return false when the request goes the usual way (QUIT, AUTH, unreadable requests' errors)
     */
    boolean routeSubscribed(Request request, SessionRole role, int decodeRun, Upstream upstream) {
        switch (role) {
            case SUBSCRIBE, SSUBSCRIBE, PSUBSCRIBE -> subscribe(request, role, decodeRun, upstream);
            case UNSUBSCRIBE, SUNSUBSCRIBE, PUNSUBSCRIBE -> unsubscribe(request, role, decodeRun);
            case PING -> requests.answer(request, decodeRun, codec.subscribedPing(requests.alloc(), request));
            default -> {
                if (request.action() == Request.Action.LOCAL) {
                    return false; // QUIT, AUTH, and the errors of requests that cannot be read
                }
                requests.answer(request, decodeRun, codec.notAllowedWhileSubscribed(requests.alloc(), request));
            }
        }
        return true;
    }

    /** A (un)subscription of a client not subscribed yet. */
    void start(Request request, SessionRole role, int decodeRun, Upstream upstream) {
        if (role == SessionRole.SUBSCRIBE || role == SessionRole.SSUBSCRIBE || role == SessionRole.PSUBSCRIBE) {
            subscribe(request, role, decodeRun, upstream);
        } else {
            unsubscribe(request, role, decodeRun);
        }
    }

    private void subscribe(Request request, SessionRole role, int decodeRun, Upstream upstream) {
        int count = request.keyCount();
        byte[][] names = names(request);
        int broadcast = Upstream.NO_SERVER;
        if (role != SessionRole.SSUBSCRIBE && connections.broadcasts()) {
            int server = upstream.serverOf(request, 0);
            if (server == Upstream.NO_SERVER) {
                requests.failed(request, decodeRun, FailureReasons.NO_LIVE_SERVER);
                return;
            }
            broadcast = connections.broadcastTarget(server);
        }
        boolean everywhere = role == SessionRole.PSUBSCRIBE && broadcast == Upstream.NO_SERVER;
        // By name: the target it is subscribed on (NO_SERVER for a pattern on every server).
        int[] serverOf = new int[count];
        int targets = connections.servers();
        for (int i = 0; i < count; i++) {
            if (broadcast != Upstream.NO_SERVER || everywhere) {
                serverOf[i] = broadcast;
            } else {
                int server = upstream.serverOf(request, i);
                if (server == Upstream.NO_SERVER) {
                    requests.failed(request, decodeRun, FailureReasons.NO_LIVE_SERVER);
                    return;
                }
                serverOf[i] = connections.targetOf(server);
            }
            targets = Math.max(targets, serverOf[i] + 1);
        }
        for (int s = 0; s < targets; s++) {
            if ((everywhere || contains(serverOf, s)) && connections.open(s) == null) {
                closeUnused();
                requests.refused(request, decodeRun);
                return;
            }
        }
        ByteBuf reply = requests.alloc().buffer();
        for (int i = 0; i < count; i++) {
            subscriptions.add(role, names[i], serverOf[i]);
            codec.writeConfirmation(reply, role, names[i], subscriptions.count(role));
        }
        Confirmations.Reply confirmation = confirmations.reply(requests.queued(request, decodeRun), reply);
        for (int s = 0; s < targets; s++) {
            if (everywhere) {
                send(s, role, names, confirmation);
            } else if (contains(serverOf, s)) {
                send(s, role, namesOn(names, serverOf, s), confirmation);
            }
        }
        confirmation.allSent();
    }

    private void unsubscribe(Request request, SessionRole role, int decodeRun) {
        List<byte[]> names = request.keyCount() > 0 ? List.of(names(request)) : subscriptions.all(role);
        ByteBuf reply = requests.alloc().buffer();
        if (names.isEmpty()) {
            codec.writeConfirmation(reply, role, null, subscriptions.count(role));
        }
        List<List<byte[]>> byServer = new ArrayList<>(connections.servers());
        for (int s = 0; s < connections.servers(); s++) {
            byServer.add(new ArrayList<>());
        }
        for (byte[] name : names) {
            int server = subscriptions.remove(role, name);
            codec.writeConfirmation(reply, role, name, subscriptions.count(role));
            for (int s = 0; s < connections.servers(); s++) {
                if (server == s || (server == Upstream.NO_SERVER && role == SessionRole.PUNSUBSCRIBE)) {
                    byServer.get(s).add(name);
                }
            }
        }
        Confirmations.Reply confirmation = confirmations.reply(requests.queued(request, decodeRun), reply);
        // A server the client listens to nothing on any more loses its connection (and so every
        // subscription on it); the others are told what ends.
        closeUnused();
        for (int s = 0; s < connections.servers(); s++) {
            List<byte[]> onServer = byServer.get(s);
            if (connections.get(s) != null && !onServer.isEmpty()) {
                send(s, role, onServer.toArray(new byte[0][]), confirmation);
            }
        }
        confirmation.allSent();
    }

    /**
     * Sends {@code role} with {@code names} to server {@code s}'s connection: {@code confirmation}
     * waits for its server's confirmation of each name, so that a client told it is subscribed is.
     */
    private void send(int s, SessionRole role, byte[][] names, Confirmations.Reply confirmation) {
        ByteBuf command = codec.subscriptionCommand(requests.alloc(), role, names, names.length);
        try {
            connections.get(s).sendWithoutReply(command, command.readerIndex(), command.readableBytes());
        } finally {
            command.release();
        }
        confirmations.expect(s, confirmation, names.length);
    }

    /** Closes the connections of the servers the client listens to nothing on. */
    private void closeUnused() {
        for (int s = 0; s < connections.servers(); s++) {
            if (connections.get(s) != null && !subscriptions.anyOn(s)) {
                connections.release(s);
            }
        }
    }

    @Override
    public void pushed(int server, ByteBuf source, int index, int length) {
        if (!codec.isMessage(source, index, length)) {
            // A server's confirmation: the client gets the proxy's, with its totals, once all came.
            if (server >= 0) {
                confirmations.confirmed(server);
            }
            return;
        }
        requests.pushed(source, index, length);
    }

    @Override
    public void serverGone(int server) {
        confirmations.forget(server);
    }

    private static boolean contains(int[] servers, int server) {
        for (int s : servers) {
            if (s == server) {
                return true;
            }
        }
        return false;
    }

    private static byte[][] namesOn(byte[][] names, int[] serverOf, int server) {
        int n = 0;
        for (int s : serverOf) {
            n += s == server ? 1 : 0;
        }
        byte[][] on = new byte[n][];
        for (int i = 0, j = 0; i < names.length; i++) {
            if (serverOf[i] == server) {
                on[j++] = names[i];
            }
        }
        return on;
    }

    private static byte[][] names(Request request) {
        byte[][] names = new byte[request.keyCount()][];
        for (int i = 0; i < names.length; i++) {
            names[i] = new byte[request.keyLength(i)];
            request.keyBuffer(i).getBytes(request.keyIndex(i), names[i]);
        }
        return names;
    }
}
