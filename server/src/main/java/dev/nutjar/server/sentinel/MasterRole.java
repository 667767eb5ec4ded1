package dev.nutjar.server.sentinel;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;

/**
 * How a backend connection of a Sentinel pool checks that its server is a master: the
 * {@code ROLE} request sent on every new connection, the role its reply names, and the
 * {@code -READONLY} error a replica answers writes with.
 */
public final class MasterRole {
    /** What {@link #of} returns for a master. */
    public static final String MASTER = "master";

    private static final byte[] ROLE = "*1\r\n$4\r\nROLE\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] READONLY = "-READONLY".getBytes(StandardCharsets.US_ASCII);

    private MasterRole() {}

    /** @return a new buffer holding {@code ROLE}, which the caller owns */
    public static ByteBuf request(ByteBufAllocator alloc) {
        return alloc.buffer(ROLE.length).writeBytes(ROLE);
    }

    /**
     * The role a reply to {@code ROLE} names ({@code master}, {@code slave}, {@code sentinel}), or
     * null when the reply is not one (an error: a server that refuses the command).
     *
     * @param reply one whole reply; still the caller's, read at its reader index and not moved
     */
    public static String of(ByteBuf reply) {
        int at = reply.readerIndex();
        int end = reply.writerIndex();
        if (at >= end || reply.getByte(at) != '*') {
            return null;
        }
        int lineEnd = reply.indexOf(at, end, (byte) '\n');
        if (lineEnd < 0 || lineEnd + 1 >= end || reply.getByte(lineEnd + 1) != '$') {
            return null;
        }
        int lengthEnd = reply.indexOf(lineEnd + 1, end, (byte) '\r');
        if (lengthEnd < 0) {
            return null;
        }
        int length;
        try {
            length = Integer.parseInt(reply.toString(lineEnd + 2, lengthEnd - lineEnd - 2, StandardCharsets.US_ASCII));
        } catch (NumberFormatException e) {
            return null;
        }
        int start = lengthEnd + 2;
        return length < 0 || start + length > end ? null
                : reply.toString(start, length, StandardCharsets.US_ASCII);
    }

    /**
     * Whether the reply at {@code index} is {@code -READONLY ...}: the server is a replica.
     *
     * @param source still the caller's; not moved
     */
    public static boolean isReadOnlyError(ByteBuf source, int index, int length) {
        if (length < READONLY.length || source.getByte(index) != '-') {
            return false;
        }
        for (int i = 1; i < READONLY.length; i++) {
            if (source.getByte(index + i) != READONLY[i]) {
                return false;
            }
        }
        return true;
    }
}
