package dev.nutjar.redis;

import dev.nutjar.redis.internal.Resp;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;

/**
 * One client request for a {@link RedisCommand.Kind#FRAGMENTED fragmented} command (MGET, DEL,
 * UNLINK, TOUCH, EXISTS, MSET) split into one command per server, and the merge of their replies.
 *
 * <p>Keys are grouped per server in order of first appearance; each group is sent as a new
 * lower-case command ({@code *<k+1>\r\n$4\r\nmget\r\n...}), duplicates kept, as twemproxy does.
 * When every key maps to one server there is one fragment: the original request, unchanged, whose
 * reply passes through unchanged. (The proxy may skip the split in that case.)
 *
 * <p>Replies merge as twemproxy merges them (MGET: one array in key order; DEL, UNLINK, TOUCH,
 * EXISTS: the sum; MSET: {@code +OK}) with two improvements: if a fragment gets an error reply,
 * the client gets that error rather than {@code -ERR Invalid argument}; and a failed MGET
 * fragment does not close the client connection. When several fragments fail, the first in
 * fragment order decides the error.
 *
 * <p>Ownership: a fragmentation holds a reference to the request and to every reply given to it,
 * and gives them up in {@link #merge} or {@link #release()}, one of which must be called. A
 * merged MGET reply with large values holds retained views of the fragments' replies (see
 * {@link #SHARE_MIN}): their memory lives until the merged reply is released. Not thread-safe.
 */
public final class RedisFragmentation {

    private static final byte[] OK = {'+', 'O', 'K', '\r', '\n'};

    /**
     * MGET values (header included) at least this long are passed on as views of their
     * fragment's reply rather than copied into the merged one; smaller ones cost less copied.
     */
    static final int SHARE_MIN = 64 * 1024;

    private final RedisRequest request;
    private final RedisCommand command;
    private final int fragmentCount;
    private final int[] fragmentServer;
    private final int[] fragmentKeyCount;
    private final int[] fragmentFirstKey;
    private final int[] fragmentSize;
    /** For each key, its fragment. */
    private final int[] keyFragment;
    /** For each key, the next key of the same fragment, or -1. */
    private final int[] nextKey;
    private final ByteBuf[] replies;
    private String[] failures;
    private int repliesMissing;
    private boolean released;

    private RedisFragmentation(RedisRequest request, int[] keyServers) {
        this.request = request;
        this.command = request.command();
        int keyCount = request.keyCount();
        int[] servers = new int[keyCount];
        int[] keysPerFragment = new int[keyCount];
        int[] firstKey = new int[keyCount];
        int[] lastKey = new int[keyCount];
        this.keyFragment = new int[keyCount];
        this.nextKey = new int[keyCount];
        int fragments = 0;
        int lastFragment = 0;
        for (int key = 0; key < keyCount; key++) {
            int server = keyServers[key];
            int fragment = lastFragment;
            if (fragments == 0 || servers[fragment] != server) {
                fragment = 0;
                while (fragment < fragments && servers[fragment] != server) {
                    fragment++;
                }
                if (fragment == fragments) {
                    servers[fragment] = server;
                    firstKey[fragment] = key;
                    fragments++;
                } else {
                    nextKey[lastKey[fragment]] = key;
                }
            } else {
                nextKey[lastKey[fragment]] = key;
            }
            lastKey[fragment] = key;
            nextKey[key] = -1;
            keyFragment[key] = fragment;
            keysPerFragment[fragment]++;
            lastFragment = fragment;
        }
        this.fragmentCount = fragments;
        this.fragmentServer = servers;
        this.fragmentKeyCount = keysPerFragment;
        this.fragmentFirstKey = firstKey;
        this.fragmentSize = new int[fragments];
        for (int fragment = 0; fragment < fragments; fragment++) {
            fragmentSize[fragment] = computeSize(fragment);
        }
        this.replies = new ByteBuf[fragments];
        this.repliesMissing = fragments;
    }

    /**
     * Splits a request per server.
     *
     * @param request an acceptable request of a fragmented command; it is retained, not released,
     *     so the caller keeps its own reference
     * @param keyServers the server of each key of the request ({@link RedisRequest#keyCount()}
     *     entries are read); not kept
     */
    public static RedisFragmentation split(RedisRequest request, int[] keyServers) {
        RedisCommand command = request.command();
        if (request.hasError() || command == null || command.kind() != RedisCommand.Kind.FRAGMENTED) {
            throw new IllegalArgumentException("not a fragmented command: " + request);
        }
        if (keyServers.length < request.keyCount()) {
            throw new IllegalArgumentException("keyServers has " + keyServers.length + " entries for "
                    + request.keyCount() + " keys");
        }
        RedisFragmentation fragmentation = new RedisFragmentation(request, keyServers);
        request.retain();
        return fragmentation;
    }

    public RedisCommand command() {
        return command;
    }

    public int fragmentCount() {
        return fragmentCount;
    }

    /** The server of a fragment, as given in {@code keyServers}. */
    public int server(int fragment) {
        checkFragment(fragment);
        return fragmentServer[fragment];
    }

    /** The number of keys in a fragment. */
    public int keyCount(int fragment) {
        checkFragment(fragment);
        return fragmentKeyCount[fragment];
    }

    /** The number of bytes of a fragment's command. */
    public int requestSize(int fragment) {
        checkFragment(fragment);
        return fragmentSize[fragment];
    }

    /**
     * Appends a fragment's command, e.g. to a backend connection's output buffer.
     *
     * @param out written at its writer index; stays the caller's
     */
    public void writeRequest(int fragment, ByteBuf out) {
        checkFragment(fragment);
        checkNotReleased();
        ByteBuf frame = request.frame();
        if (fragmentCount == 1) {
            out.writeBytes(frame, 0, frame.writerIndex());
            return;
        }
        out.ensureWritable(fragmentSize[fragment]);
        int step = command.keyLayout() == RedisCommand.KeyLayout.PAIRS ? 2 : 1;
        out.writeByte('*');
        Resp.writeDecimal(out, 1 + fragmentKeyCount[fragment] * step);
        out.writeShort(Resp.CRLF);
        Resp.writeBulk(out, command.lowercaseBytes());
        for (int key = fragmentFirstKey[fragment]; key >= 0; key = nextKey[key]) {
            int arg = request.keyArg(key);
            for (int i = arg; i < arg + step; i++) {
                Resp.writeBulk(out, frame, request.argOffset(i), request.argLength(i));
            }
        }
    }

    /** @return a new buffer holding a fragment's command, which the caller owns */
    public ByteBuf request(int fragment, ByteBufAllocator alloc) {
        ByteBuf out = alloc.buffer(requestSize(fragment));
        try {
            writeRequest(fragment, out);
            return out;
        } catch (RuntimeException e) {
            out.release();
            throw e;
        }
    }

    private int computeSize(int fragment) {
        ByteBuf frame = request.frame();
        if (fragmentCount == 1) {
            return frame.writerIndex();
        }
        int step = command.keyLayout() == RedisCommand.KeyLayout.PAIRS ? 2 : 1;
        int args = 1 + fragmentKeyCount[fragment] * step;
        long size = 1 + Resp.decimalLength(args) + 2 + Resp.bulkSize(command.lowercaseBytes().length);
        for (int key = fragmentFirstKey[fragment]; key >= 0; key = nextKey[key]) {
            int arg = request.keyArg(key);
            for (int i = arg; i < arg + step; i++) {
                size += Resp.bulkSize(request.argLength(i));
            }
        }
        if (size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("fragment too large: " + size + " bytes");
        }
        return (int) size;
    }

    /**
     * Gives a fragment its reply.
     *
     * @param reply one complete reply from the fragment's server; ownership passes to this object
     * @return whether every fragment now has its reply (then call {@link #merge})
     * @throws IllegalStateException if the fragment already has a reply (the given one is released)
     */
    public boolean reply(int fragment, ByteBuf reply) {
        if (fragment < 0 || fragment >= fragmentCount) {
            reply.release();
            checkFragment(fragment);
        }
        if (released || replies[fragment] != null || (failures != null && failures[fragment] != null)) {
            reply.release();
            throw new IllegalStateException(released ? "released" : "fragment " + fragment + " already answered");
        }
        replies[fragment] = reply;
        return --repliesMissing == 0;
    }

    /**
     * Records that a fragment failed without a reply (its server is down, timed out, ...).
     *
     * @param error the error text for the client, without {@code -} and CRLF; twemproxy's are
     *     {@code ERR Connection refused}, {@code ERR Connection timed out}, {@code ERR unknown}...
     * @return whether every fragment is now answered
     */
    public boolean fail(int fragment, String error) {
        checkFragment(fragment);
        if (released || replies[fragment] != null || (failures != null && failures[fragment] != null)) {
            throw new IllegalStateException(released ? "released" : "fragment " + fragment + " already answered");
        }
        if (failures == null) {
            failures = new String[fragmentCount];
        }
        failures[fragment] = error;
        return --repliesMissing == 0;
    }

    /** Whether every fragment has its reply or failure. */
    public boolean isComplete() {
        return repliesMissing == 0;
    }

    /**
     * Builds the client's reply and releases everything this object holds.
     *
     * @return the reply, which the caller owns
     * @throws IllegalStateException if a fragment is still unanswered (nothing is released)
     */
    public ByteBuf merge(ByteBufAllocator alloc) {
        checkNotReleased();
        if (repliesMissing != 0) {
            throw new IllegalStateException(repliesMissing + " fragments unanswered");
        }
        try {
            return mergeReplies(alloc);
        } finally {
            release();
        }
    }

    /** Releases the request and every reply held; for an abandoned request. Idempotent. */
    public void release() {
        if (released) {
            return;
        }
        released = true;
        for (int i = 0; i < replies.length; i++) {
            if (replies[i] != null) {
                replies[i].release();
                replies[i] = null;
            }
        }
        request.release();
    }

    private ByteBuf mergeReplies(ByteBufAllocator alloc) {
        for (int fragment = 0; fragment < fragmentCount; fragment++) {
            if (failures != null && failures[fragment] != null) {
                return RedisReplies.error(alloc, failures[fragment]);
            }
            if (RedisReplies.isError(replies[fragment]) || fragmentCount == 1) {
                // Pass the backend's own reply on, untouched.
                ByteBuf reply = replies[fragment];
                replies[fragment] = null;
                return reply;
            }
        }
        switch (command.merge()) {
            case SUM:
                return mergeSum(alloc);
            case ALL_OK:
                return mergeAllOk(alloc);
            case ARRAY:
                return mergeArray(alloc);
            default:
                throw new AssertionError(command.merge());
        }
    }

    private ByteBuf mergeSum(ByteBufAllocator alloc) {
        long sum = 0;
        for (ByteBuf reply : replies) {
            int start = reply.readerIndex();
            int length = reply.readableBytes();
            if (length < 4 || reply.getByte(start) != ':') {
                return invalidReply(alloc);
            }
            long value = Resp.parseLong(reply, start + 1, length - 3);
            if (value == Resp.NOT_A_NUMBER) {
                return invalidReply(alloc);
            }
            sum += value;
        }
        ByteBuf out = alloc.buffer(3 + Resp.decimalLength(sum));
        RedisReplies.writeInteger(out, sum);
        return out;
    }

    private ByteBuf mergeAllOk(ByteBufAllocator alloc) {
        for (ByteBuf reply : replies) {
            if (reply.getByte(reply.readerIndex()) != '+') {
                return invalidReply(alloc);
            }
        }
        return alloc.buffer(OK.length).writeBytes(OK);
    }

    /**
     * One array in key order. Values of at least {@link #SHARE_MIN} bytes are not copied: the
     * reply is then a composite of retained views of them between views of one buffer holding
     * everything else (the header and the small values, copied as before).
     */
    private ByteBuf mergeArray(ByteBufAllocator alloc) {
        int[] cursor = new int[fragmentCount];
        for (int fragment = 0; fragment < fragmentCount; fragment++) {
            ByteBuf reply = replies[fragment];
            int start = reply.readerIndex();
            int headerEnd = reply.indexOf(start, reply.writerIndex(), (byte) '\n') + 1;
            if (headerEnd <= 0 || reply.getByte(start) != '*'
                    || Resp.parseLong(reply, start + 1, headerEnd - 2 - (start + 1)) != fragmentKeyCount[fragment]) {
                return invalidReply(alloc);
            }
            cursor[fragment] = headerEnd;
        }
        int keyCount = keyFragment.length;
        int headerSize = 1 + Resp.decimalLength(keyCount) + 2;
        // Where each key's value is in its fragment's reply, and how much of the reply is copied.
        int[] valueStart = new int[keyCount];
        int[] valueEnd = new int[keyCount];
        long copied = headerSize;
        int shared = 0;
        for (int key = 0; key < keyCount; key++) {
            int fragment = keyFragment[key];
            ByteBuf reply = replies[fragment];
            int start = cursor[fragment];
            int end = Resp.valueEnd(reply, start, reply.writerIndex());
            if (end < 0) {
                return invalidReply(alloc);
            }
            valueStart[key] = start;
            valueEnd[key] = end;
            cursor[fragment] = end;
            if (end - start >= SHARE_MIN) {
                shared++;
            } else {
                copied += end - start;
            }
        }
        if (copied > Integer.MAX_VALUE) {
            return invalidReply(alloc);
        }
        ByteBuf out = alloc.buffer((int) copied);
        out.writeByte('*');
        Resp.writeDecimal(out, keyCount);
        out.writeShort(Resp.CRLF);
        if (shared == 0) {
            for (int key = 0; key < keyCount; key++) {
                out.writeBytes(replies[keyFragment[key]], valueStart[key], valueEnd[key] - valueStart[key]);
            }
            return out;
        }
        return mergeSharing(alloc, out, valueStart, valueEnd, 2 * shared + 1);
    }

    /**
     * The array as a composite: runs of {@code copiedPart} (its header already written) between
     * retained views of the large values.
     *
     * @param copiedPart taken over: the composite holds views of it
     * @return a composite the caller owns; releasing it releases the views of the fragments' replies
     */
    private ByteBuf mergeSharing(ByteBufAllocator alloc, ByteBuf copiedPart, int[] valueStart, int[] valueEnd,
            int maxComponents) {
        CompositeByteBuf out = alloc.compositeBuffer(maxComponents);
        try {
            int runStart = 0;
            for (int key = 0; key < valueStart.length; key++) {
                ByteBuf reply = replies[keyFragment[key]];
                int length = valueEnd[key] - valueStart[key];
                if (length < SHARE_MIN) {
                    copiedPart.writeBytes(reply, valueStart[key], length);
                    continue;
                }
                if (copiedPart.writerIndex() > runStart) {
                    out.addComponent(true, copiedPart.retainedSlice(runStart, copiedPart.writerIndex() - runStart));
                    runStart = copiedPart.writerIndex();
                }
                out.addComponent(true, reply.retainedSlice(valueStart[key], length));
            }
            if (copiedPart.writerIndex() > runStart) {
                out.addComponent(true, copiedPart.retainedSlice(runStart, copiedPart.writerIndex() - runStart));
            }
            return out;
        } catch (RuntimeException | Error e) {
            out.release();
            throw e;
        } finally {
            copiedPart.release();
        }
    }

    private static ByteBuf invalidReply(ByteBufAllocator alloc) {
        return RedisReplies.error(alloc, RedisReplies.INVALID_ARGUMENT);
    }

    private void checkFragment(int fragment) {
        if (fragment < 0 || fragment >= fragmentCount) {
            throw new IndexOutOfBoundsException("fragment " + fragment + " of " + fragmentCount);
        }
    }

    private void checkNotReleased() {
        if (released) {
            throw new IllegalStateException("released");
        }
    }
}
