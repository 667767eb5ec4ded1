package dev.nutjar.hash;

import dev.nutjar.hash.internal.Md5Hash;
import java.util.Objects;

/**
 * MD5 without allocation, for building ketama rings: each point group of a server is the 16-byte
 * digest of {@code "<name>-<i>"}, split into four little-endian words.
 *
 * <p>Stateless and thread-safe. Methods read the caller's arrays only for the duration of the call
 * and keep no reference to them.
 */
public final class Md5 {
    /** The length of an MD5 digest in bytes. */
    public static final int DIGEST_LENGTH = 16;

    private Md5() {}

    /**
     * Writes the MD5 digest of {@code in[offset, offset + length)} to {@code out[0..15]}. Allocates
     * nothing; {@code out} may be reused across calls by one thread.
     *
     * @throws IndexOutOfBoundsException if the range is not inside {@code in}, or {@code out} is
     *     shorter than {@link #DIGEST_LENGTH}; {@code out} is then left untouched
     */
    public static void digest(byte[] in, int offset, int length, byte[] out) {
        Objects.checkFromIndexSize(offset, length, in.length);
        Objects.checkFromIndexSize(0, DIGEST_LENGTH, out.length);
        Md5Hash.digest(in, offset, length, out);
    }

    /**
     * Word {@code index} (0 to 3) of a digest: bytes {@code 4*index .. 4*index+3} read
     * little-endian, as an unsigned 32-bit value. Word 0 is twemproxy's {@code md5} key hash; all
     * four are ketama points.
     *
     * @throws IndexOutOfBoundsException if {@code index} is not 0 to 3 or {@code digest} is too short
     */
    public static long littleEndianWord(byte[] digest, int index) {
        Objects.checkIndex(index, DIGEST_LENGTH / 4);
        int at = index * 4;
        return (digest[at] & 0xFFL)
                | (digest[at + 1] & 0xFFL) << 8
                | (digest[at + 2] & 0xFFL) << 16
                | (digest[at + 3] & 0xFFL) << 24;
    }
}
