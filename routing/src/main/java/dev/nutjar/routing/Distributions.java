package dev.nutjar.routing;

import dev.nutjar.spi.ProviderRegistry;

/** The distributions on the class path, found through {@link java.util.ServiceLoader}. */
public final class Distributions {
    private Distributions() {}

    /** twemproxy's default, used when a pool names no {@code distribution}. */
    public static final String DEFAULT = "ketama";

    private static final class Holder {
        static final ProviderRegistry<Distribution> REGISTRY = load(Distributions.class.getClassLoader());
    }

    /** The registry of every distribution visible to this library's class loader, loaded once. */
    public static ProviderRegistry<Distribution> registry() {
        return Holder.REGISTRY;
    }

    /** A fresh registry of every distribution visible to {@code loader}. */
    public static ProviderRegistry<Distribution> load(ClassLoader loader) {
        return ProviderRegistry.load("distribution", Distribution.class, loader);
    }

    /**
     * The distribution called {@code name} in {@link #registry()}.
     *
     * @throws IllegalArgumentException listing the valid names when there is none
     */
    public static Distribution get(String name) {
        return registry().get(name);
    }
}
