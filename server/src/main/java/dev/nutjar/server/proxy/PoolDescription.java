package dev.nutjar.server.proxy;

import dev.nutjar.protocol.PoolView;
import dev.nutjar.routing.ServerSpec;
import dev.nutjar.server.Version;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** One generation of a pool as its fan-out requests see it ({@link PoolView}). */
final class PoolDescription implements PoolView {
    private final PoolRuntime pool;
    private final Set<String> allowedCommands;
    private final long fingerprint;

    /** @param allowedCommands the pool's {@code allow_commands}, lower case */
    PoolDescription(PoolRuntime pool, Set<String> allowedCommands) {
        this.pool = pool;
        this.allowedCommands = Set.copyOf(allowedCommands);
        this.fingerprint = fingerprint(pool);
    }

    /**
     * SHA-256 of the servers in ring order (name, address, weight) and the database: what a server
     * index means. Timeouts, hash and distribution do not move data between servers, so they are not in it.
     */
    private static long fingerprint(PoolRuntime pool) {
        StringBuilder text = new StringBuilder("db=").append(pool.protocolSettings.database());
        for (ServerSpec server : pool.servers()) {
            text.append('\n').append(server.name()).append(' ')
                    .append(server.isUnix() ? server.unixPath() : server.host() + ":" + server.port())
                    .append(' ').append(server.weight());
        }
        return fingerprint(text);
    }

    /** The first 64 bits of the SHA-256 of {@code text}, what a {@link PoolView#fingerprint()} is made of. */
    static long fingerprint(CharSequence text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.toString().getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(digest).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    @Override
    public String name() {
        return pool.name;
    }

    @Override
    public int serverCount() {
        return pool.serverCount();
    }

    @Override
    public String serverName(int server) {
        return pool.serverName(server);
    }

    @Override
    public long fingerprint() {
        return fingerprint;
    }

    @Override
    public boolean allows(String command) {
        return allowedCommands.contains(command);
    }

    @Override
    public Map<String, String> facts() {
        Map<String, String> facts = new LinkedHashMap<>();
        facts.put("proxy", "nutjar");
        facts.put("nutjar_version", Version.current());
        facts.put("twemproxy_compatible", Version.TWEMPROXY_VERSION);
        facts.put("process_id", Long.toString(ProcessHandle.current().pid()));
        facts.put("uptime_in_seconds", Long.toString(ManagementFactory.getRuntimeMXBean().getUptime() / 1000));
        facts.put("pool", pool.name);
        facts.put("pool_servers", Integer.toString(pool.serverCount()));
        facts.put("pool_clients", Integer.toString(pool.clients()));
        return facts;
    }
}
