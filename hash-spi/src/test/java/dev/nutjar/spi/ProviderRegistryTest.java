package dev.nutjar.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nutjar.hash.HashFunction;
import dev.nutjar.hash.HashFunctions;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProviderRegistryTest {
    private static final String KIND = "hash function";

    @TempDir
    Path pluginDir;

    @Test
    void unknownNameIsAnsweredWithTheValidNames() {
        ProviderRegistry<HashFunction> registry = ProviderRegistry.of(KIND, List.of(new Named("b_hash"), new Named("a_hash")));

        assertThat(registry.find("c_hash")).isEmpty();
        assertThatThrownBy(() -> registry.get("c_hash"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown hash function 'c_hash'; valid names: a_hash, b_hash");
    }

    @Test
    void twoProvidersWithOneNameIsAnErrorNamingBothClasses() {
        assertThatThrownBy(() -> ProviderRegistry.of(KIND, List.of(new Named("same"), new OtherNamed("same"))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'same'")
                .hasMessageContaining(Named.class.getName())
                .hasMessageContaining(OtherNamed.class.getName());
    }

    @Test
    void providerWithoutANameIsAnError() {
        assertThatThrownBy(() -> ProviderRegistry.of(KIND, List.of(new Named(""))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(Named.class.getName())
                .hasMessageContaining("has no name");
        assertThatThrownBy(() -> ProviderRegistry.of(KIND, List.of(new Named(null))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("has no name");
    }

    @Test
    void pluginOnTheClassPathIsFoundNextToTheBuiltIns() throws IOException {
        ProviderRegistry<HashFunction> registry = HashFunctions.load(pluginLoader(PluginHash.class.getName()));

        assertThat(registry.get("plugin_hash")).isInstanceOf(PluginHash.class);
        assertThat(registry.names()).hasSize(13).contains("fnv1a_64");
    }

    @Test
    void pluginClaimingABuiltInNameFailsTheLoadNamingBothClasses() throws IOException {
        ClassLoader loader = pluginLoader(ShadowsFnv1a64.class.getName());

        assertThatThrownBy(() -> HashFunctions.load(loader))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'fnv1a_64'")
                .hasMessageContaining(HashFunctions.get("fnv1a_64").getClass().getName())
                .hasMessageContaining(ShadowsFnv1a64.class.getName());
    }

    @Test
    void providerThatCannotBeLoadedFailsTheLoadWithItsCause() throws IOException {
        ClassLoader loader = pluginLoader("com.example.NoSuchHash");

        assertThatThrownBy(() -> HashFunctions.load(loader))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot load a hash function provider")
                .hasMessageContaining("com.example.NoSuchHash");
    }

    /** A class loader that adds one services file, listing {@code providerClass}, to the test's. */
    private ClassLoader pluginLoader(String providerClass) throws IOException {
        Path services = Files.createDirectories(pluginDir.resolve("META-INF/services"));
        Files.writeString(services.resolve(HashFunction.class.getName()), providerClass + "\n");
        return new URLClassLoader(new URL[] {pluginDir.toUri().toURL()}, getClass().getClassLoader());
    }

    static class Named implements HashFunction {
        private final String name;

        Named(String name) {
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public long hash(byte[] key, int offset, int length) {
            return 0;
        }
    }

    static final class OtherNamed extends Named {
        OtherNamed(String name) {
            super(name);
        }
    }

    /** Public with a public no-arg constructor, as {@link java.util.ServiceLoader} requires. */
    public static final class PluginHash extends Named {
        public PluginHash() {
            super("plugin_hash");
        }
    }

    public static final class ShadowsFnv1a64 extends Named {
        public ShadowsFnv1a64() {
            super("fnv1a_64");
        }
    }
}
