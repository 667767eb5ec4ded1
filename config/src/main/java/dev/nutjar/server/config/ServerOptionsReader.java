package dev.nutjar.server.config;

import dev.nutjar.routing.ServerSpec;
import java.util.Map;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;

/** Reads {@code server_options}: server name or host:port to its own TLS and credentials. */
final class ServerOptionsReader {
    private final PoolDraft pool;
    private final Problems problems;
    private final ValueReader values;
    private final TlsReader tlsReader;

    ServerOptionsReader(PoolDraft pool, Problems problems, ValueReader values, TlsReader tlsReader) {
        this.pool = pool;
        this.problems = problems;
        this.values = values;
        this.tlsReader = tlsReader;
    }

    /** Fills the pool's server options; {@code poolTls} is its {@code server_tls}, or null. */
    void read(String path, Node value, TlsReader.Fields poolTls) {
        if (!(value instanceof MappingNode entries)) {
            problems.add(value, path, "must be a mapping of server names to their settings (was: "
                    + Problems.describe(value) + ")");
            return;
        }
        Map<String, ServerOptions> serverOptions = pool.serverOptions;
        for (NodeTuple entry : entries.getValue()) {
            String key = entry.getKeyNode() instanceof ScalarNode s ? s.getValue() : Problems.describe(entry.getKeyNode());
            String entryPath = path + "." + key;
            ServerSpec server = pool.servers.stream()
                    .filter(spec -> spec.name().equals(key)
                            || (!spec.isUnix() && (spec.host() + ":" + spec.port()).equals(key)))
                    .findFirst().orElse(null);
            if (server == null) {
                problems.add(entry.getKeyNode(), entryPath, "no server of the pool has this name or host:port;"
                        + " servers: " + String.join(", ", pool.servers.stream().map(ServerSpec::name).toList()));
                continue;
            }
            if (serverOptions.containsKey(server.name())) {
                problems.add(entry.getKeyNode(), entryPath, "server '" + server.name() + "' already has options");
                continue;
            }
            if (!(entry.getValueNode() instanceof MappingNode settings)) {
                problems.add(entry.getValueNode(), entryPath,
                        "must be a mapping with tls, redis_username or redis_auth (was: "
                                + Problems.describe(entry.getValueNode()) + ")");
                continue;
            }
            serverOptions.put(server.name(), options(entryPath, settings, poolTls));
        }
    }

    private ServerOptions options(String entryPath, MappingNode settings, TlsReader.Fields poolTls) {
        ServerTls tlsOfServer = null;
        String username = null;
        String password = null;
        for (NodeTuple setting : settings.getValue()) {
            String name = setting.getKeyNode() instanceof ScalarNode s ? s.getValue() : "";
            String settingPath = entryPath + "." + name;
            Node settingValue = setting.getValueNode();
            switch (name) {
                case "tls" -> {
                    TlsReader.Fields fields = tlsReader.fields(settingPath, settingValue, TlsReader.SERVER_KEYS);
                    if (fields != null) {
                        tlsOfServer = tlsReader.serverTls(settingPath, settingValue, fields, poolTls);
                    }
                }
                case "redis_username", "redis_auth" -> {
                    if (!pool.redis) {
                        problems.add(settingValue, settingPath, "only valid for a redis pool; set 'redis: true'");
                        continue;
                    }
                    String text = values.scalar(settingPath, settingValue);
                    if (text == null) {
                        continue;
                    }
                    if (name.equals("redis_username")) {
                        username = text;
                    } else {
                        password = values.secret(settingPath, settingValue, text);
                    }
                }
                default -> problems.add(setting.getKeyNode(), settingPath,
                        "unknown key; valid keys: redis_auth, redis_username, tls");
            }
        }
        return new ServerOptions(tlsOfServer, username, password);
    }
}
