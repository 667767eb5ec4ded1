package dev.nutjar.hash;

import dev.nutjar.spi.Named;

/**
 * A key hash function: key bytes to an unsigned 32-bit value.
 *
 * <p>Implementations are stateless, thread-safe and allocate nothing per call. Third-party
 * functions are listed in {@code META-INF/services/dev.nutjar.hash.HashFunction} and proved with
 * the contract tests in this module's test-jar ({@code HashFunctionContract}).
 */
public interface HashFunction extends Named {

    /**
     * Hashes {@code length} bytes of {@code key} from {@code offset}. Reads nothing outside that
     * range, never writes to the array and keeps no reference to it.
     *
     * @return the unsigned 32-bit hash in the low bits of a {@code long} (0 to 2<sup>32</sup>-1)
     * @throws IndexOutOfBoundsException if the range is not inside {@code key}, even when
     *     {@code length} is 0: a bad range is a caller bug, and hashing it would misroute silently
     */
    long hash(byte[] key, int offset, int length);

    /** Hashes the whole array: the same as {@code hash(key, 0, key.length)}. */
    default long hash(byte[] key) {
        return hash(key, 0, key.length);
    }
}
