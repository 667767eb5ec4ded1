package dev.nutjar.server.proxy;

import io.netty.buffer.ByteBuf;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The (un)subscription confirmations each server owes a client, in the order their commands were
 * sent, and the client's replies that wait for them: a client told it is subscribed is.
 */
final class Confirmations {
    /** By server: the confirmations its connection still owes (a cluster's nodes grow in number). */
    private final List<ArrayDeque<Due>> due = new ArrayList<>();

    /**
     * A reply to the client, written once every server it waits for confirmed.
     *
     * @param reply taken over
     */
    Reply reply(PendingRequest slot, ByteBuf reply) {
        return new Reply(slot, reply);
    }

    /** Server {@code server} was sent a command of {@code names} names: it owes {@code reply} that many. */
    void expect(int server, Reply reply, int names) {
        while (due.size() <= server) {
            due.add(new ArrayDeque<>());
        }
        due.get(server).add(new Due(reply, names));
        reply.missing += names;
    }

    /** Server {@code server} confirmed one name. */
    void confirmed(int server) {
        Due owed = server < due.size() ? due.get(server).peek() : null;
        if (owed != null) {
            if (--owed.frames == 0) {
                due.get(server).poll();
            }
            owed.reply.arrived(1);
        }
    }

    /** Whatever server {@code server} still owes will not come: the client's replies waiting for it go out. */
    void forget(int server) {
        Due owed;
        while (server < due.size() && (owed = due.get(server).poll()) != null) {
            owed.reply.arrived(owed.frames);
        }
    }

    /** A (un)subscription's reply, waiting for its servers' confirmations. */
    static final class Reply {
        private final PendingRequest slot;
        private ByteBuf reply;
        private int missing;
        private boolean allSent;

        private Reply(PendingRequest slot, ByteBuf reply) {
            this.slot = slot;
            this.reply = reply;
        }

        /** Every server's command was sent: the reply goes out once they all confirmed (now, if they did). */
        void allSent() {
            allSent = true;
            arrived(0);
        }

        private void arrived(int confirmations) {
            missing -= confirmations;
            if (missing == 0 && allSent && reply != null) {
                ByteBuf done = reply;
                reply = null;
                slot.replied(done);
            }
        }
    }

    /** Confirmations one server owes to one {@link Reply}. */
    private static final class Due {
        final Reply reply;
        int frames;

        Due(Reply reply, int frames) {
            this.reply = reply;
            this.frames = frames;
        }
    }
}
