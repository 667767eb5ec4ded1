package dev.nutjar.server.proxy;

import dev.nutjar.protocol.Frames;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.ArrayDeque;

/**
 * The bytes of the requests a Redis Cluster node has not answered yet, oldest first, so that one
 * it redirects ({@code MOVED}, {@code ASK}, {@code TRYAGAIN}) can be sent again. Small requests
 * are copied into one array, which costs less than holding the client's input for each of them
 * (a view per request, and an input buffer the loop cannot reuse until every reply is in); larger
 * ones are kept as retained views, as the write batch passes them on. Which of the two holds a
 * request follows from its length, which the caller gives back when the reply comes.
 *
 * <p>Loop thread only.
 */
final class SentRequests {
    private static final int INITIAL_BYTES = 4096;
    /** An empty array larger than this goes back to the initial size: a burst does not stay. */
    private static final int KEEP_AT_MOST_BYTES = 256 * 1024;

    /** Requests up to this length are copied; longer ones viewed. */
    private final int copyAtMost;
    private byte[] bytes = new byte[INITIAL_BYTES];
    /** The oldest copied request starts here. */
    private int head;
    /** The next copied request goes here. */
    private int tail;
    /** Retained views of the long requests, each owned here until dropped. */
    private final ArrayDeque<ByteBuf> views = new ArrayDeque<>();

    SentRequests(int copyAtMost) {
        this.copyAtMost = copyAtMost;
    }

    /**
     * Keeps the request at {@code index} of {@code source}, the newest.
     *
     * @param source still the caller's: neither released, nor retained unless viewed
     */
    void add(ByteBuf source, int index, int length) {
        if (length > copyAtMost) {
            views.add(Frames.retainedView(source, index, length));
            return;
        }
        makeRoom(length);
        source.getBytes(index, bytes, tail, length);
        tail += length;
    }

    /**
     * A copy of the oldest request, {@code length} bytes long.
     *
     * @return owned by the caller
     */
    ByteBuf copyOldest(int length, ByteBufAllocator alloc) {
        ByteBuf copy = alloc.buffer(length);
        if (length > copyAtMost) {
            ByteBuf view = views.peek();
            copy.writeBytes(view, view.readerIndex(), length);
        } else {
            copy.writeBytes(bytes, head, length);
        }
        return copy;
    }

    /** Forgets the oldest request, {@code length} bytes long: it is answered. */
    void dropOldest(int length) {
        if (length > copyAtMost) {
            views.poll().release();
            return;
        }
        head += length;
        if (head == tail) {
            head = 0;
            tail = 0;
            if (bytes.length > KEEP_AT_MOST_BYTES) {
                bytes = new byte[INITIAL_BYTES];
            }
        }
    }

    /** Forgets every request: the connection broke, and none will be answered. */
    void clear() {
        head = 0;
        tail = 0;
        ByteBuf view;
        while ((view = views.poll()) != null) {
            view.release();
        }
    }

    /** The bytes kept in the array now: for tests. */
    int copiedBytes() {
        return tail - head;
    }

    /** The views kept now: for tests. */
    int views() {
        return views.size();
    }

    private void makeRoom(int length) {
        if (bytes.length - tail >= length) {
            return;
        }
        int live = tail - head;
        byte[] to = live + length <= bytes.length / 2 ? bytes : new byte[Math.max(bytes.length * 2, live + length)];
        System.arraycopy(bytes, head, to, 0, live);
        bytes = to;
        head = 0;
        tail = live;
    }
}
