package dev.nutjar.bench.load;

import java.nio.ByteBuffer;

/**
 * Counts complete replies in a connection's input without keeping them: a resumable scanner that
 * consumes what it has understood and leaves an incomplete line in the buffer. Values are skipped
 * as they arrive, so a buffer of a few KiB is enough for replies of any size.
 */
abstract class ReplyScanner {

    /** Replies that were errors (RESP {@code -ERR}, memcached {@code ERROR}/{@code *_ERROR}, or unexpected). */
    long errors;
    /** GET replies without a value (RESP nil, memcached {@code END} alone); values inside MGET arrays included. */
    long misses;
    /** Values received. */
    long hits;

    /** Bytes of a value still to skip, CRLF included. */
    long skip;

    /**
     * Consumes complete replies (and any value bytes being skipped) from {@code in}, which is in
     * read mode; leaves an incomplete line in it.
     *
     * @return the number of replies completed
     */
    final int scan(ByteBuffer in) {
        int replies = 0;
        while (true) {
            if (skip > 0) {
                int n = (int) Math.min(skip, in.remaining());
                in.position(in.position() + n);
                skip -= n;
                if (skip > 0) {
                    return replies;
                }
                if (valueDone()) {
                    replies++;
                }
                continue;
            }
            int start = in.position();
            int lf = indexOfLf(in, start, in.limit());
            if (lf < 0) {
                return replies;
            }
            in.position(lf + 1);
            int end = lf > start && in.get(lf - 1) == '\r' ? lf - 1 : lf;
            if (line(in, start, end)) {
                replies++;
            }
        }
    }

    /** Handles one line (without CRLF); may set {@link #skip}. Returns whether a reply is complete. */
    abstract boolean line(ByteBuffer in, int start, int end);

    /** Called when a value has been skipped. Returns whether a reply is complete. */
    abstract boolean valueDone();

    static int indexOfLf(ByteBuffer in, int from, int to) {
        for (int i = from; i < to; i++) {
            if (in.get(i) == '\n') {
                return i;
            }
        }
        return -1;
    }

    /** A decimal, possibly negative, integer in {@code [start, end)}; Long.MIN_VALUE when malformed. */
    static long parseLong(ByteBuffer in, int start, int end) {
        if (start >= end) {
            return Long.MIN_VALUE;
        }
        boolean negative = in.get(start) == '-';
        int i = negative ? start + 1 : start;
        if (i >= end) {
            return Long.MIN_VALUE;
        }
        long value = 0;
        for (; i < end; i++) {
            int d = in.get(i) - '0';
            if (d < 0 || d > 9) {
                return Long.MIN_VALUE;
            }
            value = value * 10 + d;
        }
        return negative ? -value : value;
    }

    /** RESP replies, arrays included (one MGET reply is one reply). */
    static final class Resp extends ReplyScanner {
        /** Elements still to come in the current reply; 0 between replies. */
        private long pending;

        @Override
        boolean line(ByteBuffer in, int start, int end) {
            if (pending == 0) {
                pending = 1;
            }
            byte type = end > start ? in.get(start) : 0;
            switch (type) {
                case '+':
                case ':':
                    return elementDone();
                case '-':
                    errors++;
                    return elementDone();
                case '$': {
                    long length = parseLong(in, start + 1, end);
                    if (length == Long.MIN_VALUE) {
                        errors++;
                        return elementDone();
                    }
                    if (length < 0) {
                        misses++;
                        return elementDone();
                    }
                    hits++;
                    skip = length + 2;
                    return false;
                }
                case '*': {
                    long count = parseLong(in, start + 1, end);
                    if (count == Long.MIN_VALUE) {
                        errors++;
                        return elementDone();
                    }
                    if (count <= 0) {
                        return elementDone();
                    }
                    pending += count - 1;
                    return false;
                }
                default:
                    errors++;
                    return elementDone();
            }
        }

        @Override
        boolean valueDone() {
            return elementDone();
        }

        private boolean elementDone() {
            return --pending == 0;
        }
    }

    /** memcached ASCII replies: a retrieval reply ends with END, any other reply is one line. */
    static final class Memcache extends ReplyScanner {
        private boolean inRetrieval;
        private boolean valueSeen;

        @Override
        boolean line(ByteBuffer in, int start, int end) {
            int length = end - start;
            if (startsWith(in, start, length, VALUE)) {
                // VALUE <key> <flags> <bytes> [<cas>]
                int field = 0;
                int i = start;
                long bytes = -1;
                while (i < end && field <= 3) {
                    while (i < end && in.get(i) == ' ') {
                        i++;
                    }
                    int tokenStart = i;
                    while (i < end && in.get(i) != ' ') {
                        i++;
                    }
                    if (field == 3) {
                        bytes = parseLong(in, tokenStart, i);
                    }
                    field++;
                }
                if (bytes < 0) {
                    errors++;
                    return finish();
                }
                inRetrieval = true;
                valueSeen = true;
                hits++;
                skip = bytes + 2;
                return false;
            }
            if (startsWith(in, start, length, END) && length == END.length) {
                if (!valueSeen) {
                    misses++;
                }
                return finish();
            }
            if (inRetrieval) {
                // Anything but END after a VALUE is a broken reply; count it and carry on.
                errors++;
                return finish();
            }
            if (!(startsWith(in, start, length, STORED) && length == STORED.length)) {
                errors++;
            }
            return finish();
        }

        @Override
        boolean valueDone() {
            return false;
        }

        private boolean finish() {
            inRetrieval = false;
            valueSeen = false;
            return true;
        }

        private static final byte[] VALUE = "VALUE ".getBytes();
        private static final byte[] END = "END".getBytes();
        private static final byte[] STORED = "STORED".getBytes();

        private static boolean startsWith(ByteBuffer in, int start, int length, byte[] prefix) {
            if (length < prefix.length) {
                return false;
            }
            for (int i = 0; i < prefix.length; i++) {
                if (in.get(start + i) != prefix[i]) {
                    return false;
                }
            }
            return true;
        }
    }
}
