package dev.nutjar.protocol;

import dev.nutjar.spi.ProviderRegistry;

/** The protocols on the class path, found through {@link java.util.ServiceLoader}. */
public final class Protocols {
    private Protocols() {}

    private static final class Holder {
        static final ProviderRegistry<Protocol> REGISTRY = load(Protocols.class.getClassLoader());
    }

    /** The registry of every protocol visible to this library's class loader, loaded once. */
    public static ProviderRegistry<Protocol> registry() {
        return Holder.REGISTRY;
    }

    /** A fresh registry of every protocol visible to {@code loader}. */
    public static ProviderRegistry<Protocol> load(ClassLoader loader) {
        return ProviderRegistry.load("protocol", Protocol.class, loader);
    }
}
