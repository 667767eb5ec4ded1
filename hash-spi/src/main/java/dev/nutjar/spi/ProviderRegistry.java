package dev.nutjar.spi;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * An immutable set of named providers of one extension point, found once through
 * {@link ServiceLoader} and never changed afterwards.
 *
 * <p>It fails loudly, as SLF4J 2 does: two providers claiming one name is an error naming both
 * classes, a provider that cannot be loaded is reported with its cause, and an unknown name is
 * answered with the list of valid ones.
 *
 * @param <T> the extension point
 */
public final class ProviderRegistry<T extends Named> {
    private final String kind;
    private final Map<String, T> byName;

    private ProviderRegistry(String kind, Map<String, T> byName) {
        this.kind = kind;
        this.byName = Collections.unmodifiableMap(byName);
    }

    /**
     * Loads every provider of {@code service} visible to {@code loader}.
     *
     * @param kind what a provider is, in words, for messages ("hash function", "distribution")
     * @throws IllegalStateException when a provider fails to load, has no name, or shares its name
     *     with another provider
     */
    public static <T extends Named> ProviderRegistry<T> load(
            String kind, Class<T> service, ClassLoader loader) {
        List<T> found = new ArrayList<>();
        Iterator<T> it = ServiceLoader.load(service, loader).iterator();
        while (true) {
            try {
                if (!it.hasNext()) {
                    break;
                }
                found.add(it.next());
            } catch (ServiceConfigurationError e) {
                throw new IllegalStateException(
                        "cannot load a " + kind + " provider (" + service.getName() + "): " + e.getMessage(), e);
            }
        }
        return of(kind, found);
    }

    /** A registry of exactly these providers, checked as {@link #load} checks them. */
    public static <T extends Named> ProviderRegistry<T> of(String kind, Iterable<? extends T> providers) {
        Map<String, T> byName = new TreeMap<>();
        for (T provider : providers) {
            String name = provider.name();
            if (name == null || name.isEmpty()) {
                throw new IllegalStateException(
                        kind + " provider " + provider.getClass().getName() + " has no name");
            }
            T previous = byName.putIfAbsent(name, provider);
            if (previous != null) {
                throw new IllegalStateException(kind + " name '" + name + "' is claimed by both "
                        + previous.getClass().getName() + " and " + provider.getClass().getName());
            }
        }
        return new ProviderRegistry<>(kind, new LinkedHashMap<>(byName));
    }

    /** The provider called {@code name}, or empty. */
    public Optional<T> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /**
     * The provider called {@code name}.
     *
     * @throws IllegalArgumentException naming the unknown name and listing the valid ones
     */
    public T get(String name) {
        T provider = byName.get(name);
        if (provider == null) {
            throw new IllegalArgumentException(unknownNameMessage(name));
        }
        return provider;
    }

    /** {@code unknown <kind> 'x'; valid names: a, b, c}: the message {@link #get} throws. */
    public String unknownNameMessage(String name) {
        if (byName.isEmpty()) {
            return "unknown " + kind + " '" + name + "'; none is installed: is the class path complete?";
        }
        return "unknown " + kind + " '" + name + "'; valid names: " + String.join(", ", byName.keySet());
    }

    /** Every name, sorted. */
    public SortedSet<String> names() {
        return Collections.unmodifiableSortedSet(new TreeSet<>(byName.keySet()));
    }

    /** Every provider, in name order. */
    public List<T> providers() {
        return List.copyOf(byName.values());
    }

    @Override
    public String toString() {
        return kind + " registry " + byName.keySet();
    }
}
