package dev.nutjar.server.testplugin;

import dev.nutjar.hash.HashFunction;

/** A third-party hash function, packed into a plugin jar by {@code NutjarLauncherIT}. */
public final class PluginHashFunction implements HashFunction {
    public static final String NAME = "it_plugin_hash";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public long hash(byte[] key, int offset, int length) {
        return length;
    }
}
