package dev.nutjar.redis.internal;

import io.netty.buffer.ByteBuf;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits an inline command line ({@code SET "a b" 'c'}) into its arguments as Redis does
 * ({@code sdssplitargs}): blanks separate arguments; double quotes take the escapes {@code \n \r \t
 * \b \a \\ \"} and {@code \xHH}; single quotes take {@code \'}; a closing quote must end the
 * argument.
 */
public final class InlineCommand {

    private InlineCommand() {
    }

    /**
     * The arguments of the line of {@code length} bytes at {@code index} of {@code buf} (without its
     * line end); none for a blank line.
     *
     * @return the arguments, or null when the quotes are unbalanced
     */
    public static List<byte[]> split(ByteBuf buf, int index, int length) {
        List<byte[]> args = new ArrayList<>();
        int i = index;
        int end = index + length;
        while (true) {
            while (i < end && isBlank(buf.getByte(i))) {
                i++;
            }
            if (i == end) {
                return args;
            }
            ByteArrayOutputStream arg = new ByteArrayOutputStream();
            boolean inDouble = false;
            boolean inSingle = false;
            boolean done = false;
            while (!done) {
                if (inDouble) {
                    if (i == end) {
                        return null;
                    }
                    byte b = buf.getByte(i);
                    if (b == '\\' && i + 3 < end && buf.getByte(i + 1) == 'x'
                            && hex(buf.getByte(i + 2)) >= 0 && hex(buf.getByte(i + 3)) >= 0) {
                        arg.write(hex(buf.getByte(i + 2)) * 16 + hex(buf.getByte(i + 3)));
                        i += 3;
                    } else if (b == '\\' && i + 1 < end) {
                        i++;
                        arg.write(unescape(buf.getByte(i)));
                    } else if (b == '"') {
                        if (i + 1 < end && !isBlank(buf.getByte(i + 1))) {
                            return null;
                        }
                        done = true;
                    } else {
                        arg.write(b);
                    }
                } else if (inSingle) {
                    if (i == end) {
                        return null;
                    }
                    byte b = buf.getByte(i);
                    if (b == '\\' && i + 1 < end && buf.getByte(i + 1) == '\'') {
                        i++;
                        arg.write('\'');
                    } else if (b == '\'') {
                        if (i + 1 < end && !isBlank(buf.getByte(i + 1))) {
                            return null;
                        }
                        done = true;
                    } else {
                        arg.write(b);
                    }
                } else if (i == end) {
                    done = true;
                    continue;
                } else {
                    byte b = buf.getByte(i);
                    if (isBlank(b) || b == 0) {
                        done = true;
                    } else if (b == '"') {
                        inDouble = true;
                    } else if (b == '\'') {
                        inSingle = true;
                    } else {
                        arg.write(b);
                    }
                }
                if (i < end) {
                    i++;
                }
            }
            args.add(arg.toByteArray());
        }
    }

    private static boolean isBlank(byte b) {
        return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == 0x0b || b == '\f';
    }

    private static int unescape(byte b) {
        return switch (b) {
            case 'n' -> '\n';
            case 'r' -> '\r';
            case 't' -> '\t';
            case 'b' -> '\b';
            case 'a' -> 7;
            default -> b;
        };
    }

    private static int hex(byte b) {
        if (b >= '0' && b <= '9') {
            return b - '0';
        }
        if (b >= 'a' && b <= 'f') {
            return b - 'a' + 10;
        }
        if (b >= 'A' && b <= 'F') {
            return b - 'A' + 10;
        }
        return -1;
    }

    /**
     * Encodes {@code args} as the RESP array a client would have sent.
     *
     * @param out written at its writer index; stays the caller's
     */
    public static void writeResp(ByteBuf out, List<byte[]> args) {
        out.writeByte('*');
        Resp.writeDecimal(out, args.size());
        out.writeShort(Resp.CRLF);
        for (byte[] arg : args) {
            Resp.writeBulk(out, arg);
        }
    }
}
