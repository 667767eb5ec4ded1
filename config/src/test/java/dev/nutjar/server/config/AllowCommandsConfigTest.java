package dev.nutjar.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import org.junit.jupiter.api.Test;

/** {@code allow_commands}: the Redis commands over every server that a pool must enable. */
class AllowCommandsConfigTest {

    private final ConfigLoader loader = StubProviders.loader();

    @Test
    void namesTheEnabledCommandsInAnyCase() throws Exception {
        PoolConfig pool = loader.parse("""
                alpha:
                  listen: 127.0.0.1:22121
                  redis: true
                  allow_commands: [KEYS, flushdb]
                  servers:
                   - 127.0.0.1:6379:1
                """, "test.yml").pool("alpha").orElseThrow();
        assertThat(pool.allowCommands()).containsExactlyInAnyOrder("keys", "flushdb");
    }

    @Test
    void noneByDefault() throws Exception {
        PoolConfig pool = loader.parse("""
                alpha:
                  listen: 127.0.0.1:22121
                  redis: true
                  servers:
                   - 127.0.0.1:6379:1
                """, "test.yml").pool("alpha").orElseThrow();
        assertThat(pool.allowCommands()).isEmpty();
    }

    @Test
    void everyBadEntryIsReportedWithItsLine() {
        ConfigException thrown = catchThrowableOfType(ConfigException.class, () -> loader.parse("""
                alpha:
                  listen: 127.0.0.1:22121
                  redis: true
                  allow_commands:
                   - keys
                   - config
                  servers:
                   - 127.0.0.1:6379:1
                beta:
                  listen: 127.0.0.1:22122
                  allow_commands: keys
                  servers:
                   - 127.0.0.1:11211:1
                """, "test.yml"));
        assertThat(thrown.errors()).containsExactly(
                "line 6: alpha.allow_commands[1]: not a command to enable; valid: flushall, flushdb, keys"
                        + " (was: 'config')",
                "line 11: beta.allow_commands: must be a list such as [keys, flushdb] (was: 'keys')",
                "line 11: beta.allow_commands: only valid for a redis pool; set 'redis: true'");
    }
}
