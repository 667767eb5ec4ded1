package dev.nutjar.routing;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A pool's {@code hash_tag}: two bytes, an opener and a closer (which may be equal, as in
 * {@code "$$"}), that let related keys share a server by hashing only the part between them.
 *
 * <p>The rule is nutcracker's, byte for byte: find the <em>first</em> opener; find the first closer
 * <em>after</em> it; if both are there and at least one byte lies between them, hash those bytes,
 * otherwise hash the whole key. So with {@code "{}"}, {@code user:{42}:a} hashes {@code 42},
 * <code>a&#123;b&#123;c&#125;d</code> hashes <code>b&#123;c</code>, and {@code {}x}, {@code {}{a}} and
 * <code>&#123;tag</code> hash the whole key. The hashed part is therefore never empty unless the key is.
 *
 * <p>Finding the tag allocates nothing: {@link #span} returns the offset and length of the bytes to
 * hash packed into one {@code long}, unpacked with {@link #spanOffset} and {@link #spanLength}.
 * Instances are immutable and thread-safe.
 */
public final class HashTag {
    private final String text;
    private final byte opener;
    private final byte closer;

    private HashTag(String text, byte opener, byte closer) {
        this.text = text;
        this.opener = opener;
        this.closer = closer;
    }

    /**
     * The hash tag written {@code tag} in a configuration, such as {@code "{}"}.
     *
     * @param tag exactly two bytes in UTF-8, as nutcracker counts them
     * @throws IllegalArgumentException quoting {@code tag} when it is not two bytes long
     */
    public static HashTag of(String tag) {
        Objects.requireNonNull(tag, "tag");
        byte[] bytes = tag.getBytes(StandardCharsets.UTF_8);
        if (bytes.length != 2) {
            throw new IllegalArgumentException("hash_tag must be exactly two characters (was: '" + tag + "')");
        }
        return new HashTag(tag, bytes[0], bytes[1]);
    }

    /** The byte that opens a tag, <code>'&#123;'</code> in {@code "{}"}. */
    public byte opener() {
        return opener;
    }

    /** The byte that closes a tag, {@code '}'} in {@code "{}"}. */
    public byte closer() {
        return closer;
    }

    /**
     * The bytes of {@code key[offset, offset + length)} to hash: the tag's content when the key
     * has a non-empty tag, otherwise the whole range.
     *
     * @return the absolute offset and the length of those bytes, packed; see {@link #spanOffset}
     *     and {@link #spanLength}
     */
    public long span(byte[] key, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, key.length);
        int end = offset + length;
        int open = indexOf(key, offset, end, opener);
        if (open >= 0) {
            int close = indexOf(key, open + 1, end, closer);
            if (close > open + 1) {
                return pack(open + 1, close - open - 1);
            }
        }
        return pack(offset, length);
    }

    /** The offset of the bytes to hash, from a {@link #span} result. */
    public static int spanOffset(long span) {
        return (int) (span >>> 32);
    }

    /** The number of bytes to hash, from a {@link #span} result. */
    public static int spanLength(long span) {
        return (int) span;
    }

    private static long pack(int offset, int length) {
        return (long) offset << 32 | (length & 0xffffffffL);
    }

    private static int indexOf(byte[] key, int from, int end, byte value) {
        for (int i = from; i < end; i++) {
            if (key[i] == value) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HashTag && ((HashTag) o).opener == opener && ((HashTag) o).closer == closer;
    }

    @Override
    public int hashCode() {
        return opener * 31 + closer;
    }

    /** The tag as configured, for example {@code {}}. */
    @Override
    public String toString() {
        return text;
    }
}
