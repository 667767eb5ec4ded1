package dev.nutjar.hash;

import dev.nutjar.spi.ProviderRegistry;

/** The hash functions on the class path, found through {@link java.util.ServiceLoader}. */
public final class HashFunctions {
    private HashFunctions() {}

    /** twemproxy's default, used when a pool names no {@code hash}. */
    public static final String DEFAULT = "fnv1a_64";

    private static final class Holder {
        static final ProviderRegistry<HashFunction> REGISTRY =
                load(HashFunctions.class.getClassLoader());
    }

    /** The registry of every hash function visible to this library's class loader, loaded once. */
    public static ProviderRegistry<HashFunction> registry() {
        return Holder.REGISTRY;
    }

    /** A fresh registry of every hash function visible to {@code loader}. */
    public static ProviderRegistry<HashFunction> load(ClassLoader loader) {
        return ProviderRegistry.load("hash function", HashFunction.class, loader);
    }

    /**
     * The function called {@code name} in {@link #registry()}.
     *
     * @throws IllegalArgumentException listing the valid names when there is none
     */
    public static HashFunction get(String name) {
        return registry().get(name);
    }
}
