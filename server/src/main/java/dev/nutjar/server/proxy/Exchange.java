package dev.nutjar.server.proxy;

import dev.nutjar.protocol.Frames;
import io.netty.buffer.ByteBuf;

/**
 * A request sent, or about to be sent, on a backend connection and waiting for its reply: what
 * the connection tells when the reply arrives, fails or comes too late. The connection answers
 * exchanges in the order it sent them.
 */
abstract class Exchange {
    /** When the reply is late, in the loop's ticker's terms; 0 when there is no timeout. */
    long deadline;
    /** Set once the exchange timed out: its reply is read and thrown away. */
    boolean abandoned;
    /** The request bytes, counted for the stats. */
    int requestBytes;
    /**
     * The reply kind the backend's codec needs to read the reply. Taken when the exchange is made,
     * because the client's request may be released (the client went away) before the reply comes.
     */
    int replyKind;
    /** For the latency histograms, when metrics are recorded: when it was queued on the connection. */
    long queuedNanos;
    /** The number of the connection's flush that sends it. */
    int sentByFlush;

    Exchange(int replyKind) {
        this.replyKind = replyKind;
    }

    /** A backend connection now refers to this exchange (it awaits the reply). */
    void heldByBackend() {
    }

    /**
     * The backend connection no longer refers to this exchange: the reply was read and passed on,
     * or thrown away, or the connection failed it.
     */
    void releasedByBackend() {
    }

    /**
     * The reply arrived.
     *
     * @param reply taken over: the exchange releases or forwards it
     */
    abstract void replied(ByteBuf reply);

    /**
     * The reply arrived, found in place in the backend's input.
     *
     * @param source holds the reply at {@code index}; still the caller's, not retained (retain a
     *     view of it to keep it)
     */
    void replied(ByteBuf source, int index, int length) {
        replied(Frames.retainedView(source, index, length));
    }

    /** No reply will come: the backend failed or could not be reached. */
    abstract void failed(String reason);

    /** The reply did not come in time; if it comes later, it is thrown away. */
    void timedOut() {
        failed(FailureReasons.TIMED_OUT);
    }
}
