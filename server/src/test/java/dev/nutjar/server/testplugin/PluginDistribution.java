package dev.nutjar.server.testplugin;

import dev.nutjar.routing.Distribution;
import dev.nutjar.routing.ServerSpec;
import java.util.List;

/** A third-party distribution, packed into a plugin jar by {@code NutjarLauncherIT}. */
public final class PluginDistribution implements Distribution {
    public static final String NAME = "it_plugin_distribution";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Selector newSelector(List<ServerSpec> liveServers) {
        int count = liveServers.size();
        return hash -> (int) (hash % count);
    }
}
