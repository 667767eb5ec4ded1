package dev.nutjar.memcache;

import dev.nutjar.memcache.internal.ReplyLines;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import java.util.Arrays;
import java.util.Objects;

/**
 * A get or gets with several keys, split into one request per server, and the merge of their
 * replies back into the one reply the client expects.
 *
 * <p>Fragments come in the order their servers first appear among the keys, each asking for its
 * keys in the client's order ({@code get k1 k3\r\n}), duplicates kept. The merged reply has the
 * VALUE blocks in the order of the client's keys, one per occurrence of a key that hit, and one
 * END. Unlike twemproxy, which takes each server's next block whatever its key and so reorders
 * blocks after a miss, each block is matched to its key by the key's bytes.
 *
 * <p>When every key is on one server there is a single fragment: the client's request itself,
 * forwarded verbatim, and its reply is the merged reply as is. Otherwise the key bytes are copied
 * into the fragments, and the VALUE blocks into the merged reply.
 *
 * <p>Use: {@link #split}, send each {@link #fragment(int)} to {@link #fragmentServer(int)}, give
 * each reply to {@link #onReply} or report its failure with {@link #onFailure}, and once
 * {@link #isComplete()}, write {@link #merge}. Then {@link #release()}. Not thread-safe.
 */
public final class MemcacheMultiGet {

    private static final byte[] CRLF = {'\r', '\n'};

    private final MemcacheRequest[] fragments;
    private final int[] fragmentServers;
    /** The fragment each client key was sent in. */
    private final int[] keyFragment;
    private final ByteBuf[] replies;
    private final String[] failures;
    private int outstanding;
    private boolean released;

    private MemcacheMultiGet(MemcacheRequest[] fragments, int[] fragmentServers, int[] keyFragment) {
        this.fragments = fragments;
        this.fragmentServers = fragmentServers;
        this.keyFragment = keyFragment;
        this.replies = new ByteBuf[fragments.length];
        this.failures = new String[fragments.length];
        this.outstanding = fragments.length;
    }

    /**
     * Splits {@code get} by server.
     *
     * @param get a parsed, non-error get or gets with at least two keys; the caller keeps it and
     *     still owns it (this object retains what it needs)
     * @param serverOfKey the server of each key, by index: {@code serverOfKey[i]} for
     *     {@code get.key(i)}; servers are numbered from 0; the array is not kept
     * @param alloc allocates the fragments' buffers
     */
    public static MemcacheMultiGet split(MemcacheRequest get, int[] serverOfKey, ByteBufAllocator alloc) {
        Objects.requireNonNull(alloc, "alloc");
        if (get.isError() || !get.command().isRetrieval() || get.keyCount() < 2) {
            throw new IllegalArgumentException("not a get or gets with two keys or more: " + get);
        }
        int keyCount = get.keyCount();
        if (serverOfKey.length < keyCount) {
            throw new IllegalArgumentException(keyCount + " keys but " + serverOfKey.length + " servers");
        }
        int maxServer = 0;
        for (int i = 0; i < keyCount; i++) {
            if (serverOfKey[i] < 0) {
                throw new IllegalArgumentException("server of key " + i + " is negative: " + serverOfKey[i]);
            }
            maxServer = Math.max(maxServer, serverOfKey[i]);
        }
        int[] fragmentOfServer = new int[maxServer + 1];
        Arrays.fill(fragmentOfServer, -1);
        int[] fragmentServers = new int[Math.min(keyCount, maxServer + 1)];
        int[] keyFragment = new int[keyCount];
        int fragmentCount = 0;
        for (int i = 0; i < keyCount; i++) {
            int server = serverOfKey[i];
            int fragment = fragmentOfServer[server];
            if (fragment < 0) {
                fragment = fragmentCount++;
                fragmentOfServer[server] = fragment;
                fragmentServers[fragment] = server;
            }
            keyFragment[i] = fragment;
        }
        fragmentServers = Arrays.copyOf(fragmentServers, fragmentCount);
        if (fragmentCount == 1) {
            return new MemcacheMultiGet(new MemcacheRequest[] {get.retainedDuplicate()}, fragmentServers, keyFragment);
        }
        return new MemcacheMultiGet(buildFragments(get, keyFragment, fragmentCount, alloc), fragmentServers, keyFragment);
    }

    private static MemcacheRequest[] buildFragments(MemcacheRequest get, int[] keyFragment, int fragmentCount,
            ByteBufAllocator alloc) {
        MemcacheCommand command = get.command();
        int[] keys = new int[fragmentCount];
        int[] lengths = new int[fragmentCount];
        Arrays.fill(lengths, command.nameLength() + CRLF.length);
        for (int i = 0; i < keyFragment.length; i++) {
            keys[keyFragment[i]]++;
            lengths[keyFragment[i]] += 1 + get.keyLength(i);
        }
        ByteBuf[] buffers = new ByteBuf[fragmentCount];
        int[][] positions = new int[fragmentCount][];
        int[] filled = new int[fragmentCount];
        ByteBuf source = get.frameSource();
        try {
            for (int f = 0; f < fragmentCount; f++) {
                buffers[f] = alloc.buffer(lengths[f], lengths[f]);
                command.writeName(buffers[f]);
                positions[f] = new int[2 * keys[f]];
            }
            for (int i = 0; i < keyFragment.length; i++) {
                int f = keyFragment[i];
                ByteBuf out = buffers[f];
                out.writeByte(' ');
                int length = get.keyLength(i);
                positions[f][filled[f]++] = out.writerIndex();
                positions[f][filled[f]++] = length;
                out.writeBytes(source, get.frameIndex() + get.keyOffset(i), length);
            }
            MemcacheRequest[] fragments = new MemcacheRequest[fragmentCount];
            for (int f = 0; f < fragmentCount; f++) {
                buffers[f].writeBytes(CRLF);
                fragments[f] = MemcacheRequest.fragment(command, buffers[f], keys[f], positions[f]);
            }
            return fragments;
        } catch (RuntimeException | Error e) {
            for (ByteBuf buffer : buffers) {
                if (buffer != null) {
                    buffer.release();
                }
            }
            throw e;
        }
    }

    /** The number of fragments: the number of distinct servers among the keys. */
    public int fragmentCount() {
        return fragments.length;
    }

    /** The server fragment {@code fragment} goes to, as given to {@link #split}. */
    public int fragmentServer(int fragment) {
        return fragmentServers[fragment];
    }

    /**
     * The request to send for fragment {@code fragment}: a get or gets of that server's keys.
     *
     * @return a request owned by this object until {@link #release()}; to write its frame through
     *     Netty pass {@code fragment(i).frame().retainedDuplicate()}, or copy it
     */
    public MemcacheRequest fragment(int fragment) {
        checkNotReleased();
        return fragments[fragment];
    }

    /**
     * Hands over the backend's reply to fragment {@code fragment}.
     *
     * @param reply as returned by {@link MemcacheReplyParser#parse} for this fragment's command;
     *     ownership passes to this object, which releases it in {@link #release()}
     */
    public void onReply(int fragment, ByteBuf reply) {
        Objects.requireNonNull(reply, "reply");
        if (released || replies[fragment] != null || failures[fragment] != null) {
            reply.release();
            throw new IllegalStateException(released ? "released" : "fragment " + fragment + " already answered");
        }
        replies[fragment] = reply;
        outstanding--;
    }

    /**
     * Records that fragment {@code fragment} failed: the merged reply will be
     * {@code SERVER_ERROR <reason>\r\n}.
     *
     * @param reason for example {@link MemcacheReplies#CONNECTION_TIMED_OUT}
     */
    public void onFailure(int fragment, String reason) {
        Objects.requireNonNull(reason, "reason");
        checkNotReleased();
        if (replies[fragment] != null || failures[fragment] != null) {
            throw new IllegalStateException("fragment " + fragment + " already answered");
        }
        failures[fragment] = reason;
        outstanding--;
    }

    /** Whether every fragment has a reply or a failure. */
    public boolean isComplete() {
        return outstanding == 0;
    }

    /**
     * The client's reply. If a fragment failed, {@code SERVER_ERROR <reason>} of the first failed
     * fragment; else if a backend answered with an error line, the first such line; else the VALUE
     * blocks in the order of the client's keys and END. A backend reply whose VALUE blocks do not
     * match its fragment's keys gives {@code SERVER_ERROR Invalid argument}. In every case the client
     * connection stays usable.
     *
     * @param alloc allocates the merged reply when blocks must be copied
     * @return a buffer the caller owns and must release; this object keeps its own replies until
     *     {@link #release()}
     * @throws IllegalStateException before {@link #isComplete()}
     */
    public ByteBuf merge(ByteBufAllocator alloc) {
        checkNotReleased();
        if (!isComplete()) {
            throw new IllegalStateException(outstanding + " of " + fragments.length + " fragments unanswered");
        }
        for (int f = 0; f < fragments.length; f++) {
            if (failures[f] != null) {
                return serverError(alloc, failures[f]);
            }
            if (isErrorReply(replies[f])) {
                return replies[f].retainedDuplicate();
            }
        }
        if (fragments.length == 1) {
            return replies[0].retainedDuplicate();
        }
        return mergeValues(alloc);
    }

    private ByteBuf mergeValues(ByteBufAllocator alloc) {
        int capacity = ReplyLines.END.length + CRLF.length;
        for (ByteBuf reply : replies) {
            capacity += reply.readableBytes();
        }
        ByteBuf out = alloc.buffer(capacity);
        try {
            Cursor[] cursors = new Cursor[fragments.length];
            for (int f = 0; f < fragments.length; f++) {
                cursors[f] = new Cursor(replies[f]);
            }
            int[] nextKey = new int[fragments.length];
            for (int f : keyFragment) {
                MemcacheRequest fragment = fragments[f];
                int key = nextKey[f]++;
                Cursor cursor = cursors[f];
                if (!cursor.atValue()) {
                    continue;
                }
                int keyLength = fragment.keyLength(key);
                if (cursor.keyLength == keyLength && ByteBufUtil.equals(cursor.reply, cursor.keyStart,
                        fragment.frameSource(), fragment.frameIndex() + fragment.keyOffset(key), keyLength)) {
                    out.writeBytes(cursor.reply, cursor.position, cursor.blockEnd - cursor.position);
                    cursor.advance();
                }
            }
            for (Cursor cursor : cursors) {
                if (!cursor.atCleanEnd()) {
                    out.release();
                    return serverError(alloc, MemcacheReplies.INVALID_ARGUMENT);
                }
            }
            out.writeBytes(ReplyLines.END).writeBytes(CRLF);
            return out;
        } catch (RuntimeException | Error e) {
            out.release();
            throw e;
        }
    }

    /** Releases the fragments and the replies; safe to call more than once. */
    public void release() {
        if (released) {
            return;
        }
        released = true;
        for (MemcacheRequest fragment : fragments) {
            fragment.release();
        }
        for (int f = 0; f < replies.length; f++) {
            if (replies[f] != null) {
                replies[f].release();
                replies[f] = null;
            }
        }
    }

    private void checkNotReleased() {
        if (released) {
            throw new IllegalStateException("released");
        }
    }

    private static ByteBuf serverError(ByteBufAllocator alloc, String reason) {
        ByteBuf reply = alloc.buffer(MemcacheReplies.serverErrorLength(reason));
        MemcacheReplies.writeServerError(reply, reason);
        return reply;
    }

    private static boolean isErrorReply(ByteBuf reply) {
        int from = reply.readerIndex();
        int newline = reply.indexOf(from, reply.writerIndex(), (byte) '\n');
        return newline > from && ReplyLines.isError(reply, from, newline - 1);
    }

    /** Walks the VALUE blocks of one backend reply; any inconsistency leaves it stuck, not at END. */
    private static final class Cursor {
        final ByteBuf reply;
        final int[] keyRange = new int[2];
        int position;
        int keyStart;
        int keyLength;
        int blockEnd;
        boolean value;

        Cursor(ByteBuf reply) {
            this.reply = reply;
            this.position = reply.readerIndex();
            read();
        }

        boolean atValue() {
            return value;
        }

        void advance() {
            position = blockEnd;
            read();
        }

        boolean atCleanEnd() {
            return !value && position + 5 == reply.writerIndex()
                    && ReplyLines.is(reply, position, position + 3, ReplyLines.END)
                    && reply.getByte(position + 3) == '\r' && reply.getByte(position + 4) == '\n';
        }

        private void read() {
            value = false;
            int end = reply.writerIndex();
            int newline = reply.indexOf(position, end, (byte) '\n');
            if (newline <= position) {
                return;
            }
            long length = ReplyLines.parseValueLine(reply, position, newline - 1, keyRange);
            long dataEnd = newline + 1 + length;
            if (length < 0 || dataEnd + 2 > end
                    || reply.getByte((int) dataEnd) != '\r' || reply.getByte((int) dataEnd + 1) != '\n') {
                return;
            }
            keyStart = keyRange[0];
            keyLength = keyRange[1] - keyRange[0];
            blockEnd = (int) dataEnd + 2;
            value = true;
        }
    }
}
