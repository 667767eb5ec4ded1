package dev.nutjar.spi;

/**
 * Something a configuration refers to by name: a hash function, a distribution, a protocol.
 *
 * <p>Every Nutjar extension point is a {@code Named} service listed in {@code META-INF/services}
 * and found through {@link java.util.ServiceLoader}; a configuration names it like a built-in.
 */
public interface Named {
    /** The name a configuration uses, for example {@code fnv1a_64}. Never null or empty. */
    String name();
}
