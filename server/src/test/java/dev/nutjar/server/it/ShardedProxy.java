package dev.nutjar.server.it;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Three real redis-server shards behind a proxy's Redis pool "alpha", started before a test class
 * and closed after it: register as a static {@code @RegisterExtension} field, after
 * {@code @ExtendWith(NoLeaks.class)}, so that the proxy is closed before leaks are looked for.
 */
final class ShardedProxy implements BeforeAllCallback, AfterAllCallback {
    static final String POOL = "alpha";

    private final String settings;
    private RedisShards shards;
    private TestProxy proxy;

    /**
     * @param settings pool keys besides listen, redis, hash, hash_tag and servers, each line
     *     indented by two spaces
     */
    ShardedProxy(String settings) {
        this.settings = settings;
    }

    TestProxy proxy() {
        return proxy;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        shards = RedisShards.start(3);
        proxy = TestProxy.startPool(POOL, "  redis: true\n  hash: fnv1a_64\n  hash_tag: \"{}\"\n"
                + settings + "  servers:\n" + shards.serversYaml(), 2);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (proxy != null) {
            proxy.close();
        }
        if (shards != null) {
            shards.close();
        }
    }
}
