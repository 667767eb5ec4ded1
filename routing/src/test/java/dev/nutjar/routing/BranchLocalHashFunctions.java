package dev.nutjar.routing;

import dev.nutjar.hash.HashFunction;
import dev.nutjar.hash.HashFunctions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;
import java.util.Optional;

/**
 * Hash functions for routing tests while the real twelve live on a parallel branch of hash-spi.
 *
 * <p>{@link #find} prefers {@link HashFunctions#registry()} and falls back to two test-only
 * implementations, {@code fnv1a_64} and {@code md5}. They are deliberately NOT listed in
 * {@code META-INF/services}: after the merge they would clash with the real ones. Remove the
 * fallback once hash-spi ships its functions.
 */
final class BranchLocalHashFunctions {
    private BranchLocalHashFunctions() {}

    /** twemproxy's fnv1a_64: 32-bit, the low words of the 64-bit basis and prime, sign-extended bytes. */
    static final HashFunction FNV1A_64 = new HashFunction() {
        @Override
        public String name() {
            return "fnv1a_64";
        }

        @Override
        public long hash(byte[] key, int offset, int length) {
            int h = 0x84222325;
            for (int i = offset; i < offset + length; i++) {
                h ^= key[i]; // sign-extended, as twemproxy's signed char
                h *= 0x1b3;
            }
            return h & 0xffffffffL;
        }
    };

    /** twemproxy's md5 as a key hash: digest bytes 0..3, little-endian. */
    static final HashFunction MD5 = new HashFunction() {
        @Override
        public String name() {
            return "md5";
        }

        @Override
        public long hash(byte[] key, int offset, int length) {
            try {
                MessageDigest md5 = MessageDigest.getInstance("MD5");
                md5.update(key, offset, length);
                byte[] d = md5.digest();
                return (d[0] & 0xffL) | (d[1] & 0xffL) << 8 | (d[2] & 0xffL) << 16 | (d[3] & 0xffL) << 24;
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    };

    private static final Map<String, HashFunction> FALLBACK = Map.of(FNV1A_64.name(), FNV1A_64, MD5.name(), MD5);

    /** The function called {@code name}: the registry's, else the test-only fallback, else empty. */
    static Optional<HashFunction> find(String name) {
        Optional<HashFunction> real = HashFunctions.registry().find(name);
        return real.isPresent() ? real : Optional.ofNullable(FALLBACK.get(name));
    }
}
