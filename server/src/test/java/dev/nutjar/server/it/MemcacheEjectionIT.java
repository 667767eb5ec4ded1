package dev.nutjar.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nutjar.hash.HashFunctions;
import dev.nutjar.routing.Distributions;
import dev.nutjar.routing.ServerPool;
import dev.nutjar.server.config.ConfigLoader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A memcached that dies (or hangs) under load, with {@code auto_eject_hosts}: its keys, and only
 * its keys, get {@code SERVER_ERROR ...}; after {@code server_failure_limit} failures it is ejected
 * (stats {@code server_ejects}) and its keys go to the other servers; once it is back and
 * {@code server_retry_timeout} has passed, its keys return to it. Everything is polled with
 * deadlines; nothing asserts on timing.
 */
@ExtendWith(NoLeaks.class)
class MemcacheEjectionIT {

    private static final String[] DIRECTIVES = {"hash: fnv1a_64", "distribution: ketama", "auto_eject_hosts: true",
        "server_failure_limit: 2", "server_retry_timeout: 1000", "timeout: 500"};
    private static final int VICTIM = 1;
    private static final int KEYS_PER_SERVER = 15;
    private static final long DEADLINE_MILLIS = 20_000;

    private MemcacheCluster cluster;
    /** Keys by the server they live on with all three up (config order). */
    private final List<List<String>> keysOf = new ArrayList<>();
    private final Set<String> victimKeys = new LinkedHashSet<>();
    private final List<String> allKeys = new ArrayList<>();
    /** For each victim key, the survivor it goes to while the victim is out. */
    private final Map<String, Integer> fallback = new HashMap<>();
    private Loader loader;

    @BeforeEach
    void start() throws Exception {
        cluster = MemcacheCluster.start(3, DIRECTIVES);
        for (int s = 0; s < 3; s++) {
            keysOf.add(new ArrayList<>());
        }
        for (int i = 0; keysOf.stream().anyMatch(k -> k.size() < KEYS_PER_SERVER); i++) {
            String key = "eject:" + i;
            List<String> bucket = keysOf.get(cluster.serverOf(key));
            if (bucket.size() < KEYS_PER_SERVER) {
                bucket.add(key);
                allKeys.add(key);
            }
        }
        victimKeys.addAll(keysOf.get(VICTIM));
        // With equal weights, the ring without the victim is the ring of the two survivors alone.
        List<BackendProcess> survivors = new ArrayList<>(cluster.servers());
        survivors.remove(VICTIM);
        StringBuilder yaml = new StringBuilder("mc:\n  listen: 127.0.0.1:1\n  hash: fnv1a_64\n  distribution: ketama\n  servers:\n");
        survivors.forEach(s -> yaml.append("   - ").append(s.address()).append(":1\n"));
        ServerPool twoServers = ConfigLoader.withInstalledProviders().parse(yaml.toString(), "survivors.yml")
                .poolsInFileOrder().get(0).routing(HashFunctions.registry(), Distributions.registry()).build();
        for (String key : victimKeys) {
            int survivor = twoServers.configIndex(twoServers.route(MemcacheWire.ascii(key)));
            fallback.put(key, survivor < VICTIM ? survivor : survivor + 1);
        }
        for (String key : allKeys) {
            if (!victimKeys.contains(key)) {
                assertThat(twoServers.configIndex(twoServers.route(MemcacheWire.ascii(key))))
                        .as("a survivor's key stays where it was").isEqualTo(cluster.serverOf(key) < VICTIM
                                ? cluster.serverOf(key) : cluster.serverOf(key) - 1);
            }
        }
        loader = new Loader(cluster.port(), allKeys);
        loader.start();
        loader.awaitCleanRounds(2);
    }

    @AfterEach
    void stop() throws Exception {
        if (loader != null) {
            loader.stop();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void killedServerIsEjectedItsKeysMoveAndComeBackAfterRestart() throws Exception {
        BackendProcess victim = cluster.server(VICTIM);
        victim.kill();

        long ejectsBefore = 0;
        awaitEjections(ejectsBefore + 1);
        assertThat(victimEjectedAt()).isPositive();

        // The victim's keys are served by the survivors: written through the proxy, found directly.
        awaitVictimKeysOn(key -> fallback.get(key), "the survivors");

        victim.restart();
        // After server_retry_timeout the victim is back on the ring: its keys are written to it again.
        awaitVictimKeysOn(key -> VICTIM, "the restarted server");
        loader.awaitCleanRounds(2);

        loader.stop();
        assertThat(loader.failure()).as("the load thread's own failure").isNull();
        assertOnlyVictimKeysFailed();
        // The kill's EOF is one failure; the request that then found the port closed was the second,
        // and only the load was sending then: it saw at least that error.
        assertThat(loader.errors()).as("errors seen by the load").isNotEmpty();
        assertThat(cluster.routing().isEjected(VICTIM)).isFalse();
    }

    /**
     * A memcached that stops answering (SIGSTOP): its requests time out after {@code timeout}
     * ({@code SERVER_ERROR Connection timed out}), which counts as failures and ejects it. Once it
     * answers again (SIGCONT), the late replies to the abandoned requests are thrown away, never
     * handed to the next request, and its keys come back to it.
     */
    @Test
    void hungServerTimesOutIsEjectedAndItsLateRepliesAreDropped() throws Exception {
        BackendProcess victim = cluster.server(VICTIM);
        victim.signal("STOP");
        try {
            awaitEjections(1);
            awaitVictimKeysOn(key -> fallback.get(key), "the survivors");
        } finally {
            victim.signal("CONT");
        }
        awaitVictimKeysOn(key -> VICTIM, "the server that answers again");
        loader.awaitCleanRounds(2);

        loader.stop();
        assertThat(loader.failure()).as("the load thread's own failure").isNull();
        assertOnlyVictimKeysFailed();
        assertThat(loader.errors()).as("timeouts seen by the load").anySatisfy(
                e -> assertThat(e).endsWith("SERVER_ERROR Connection timed out"));
    }

    private void assertOnlyVictimKeysFailed() {
        List<String> errors = new ArrayList<>(loader.errors());
        System.err.println("errors seen by the load: " + errors.size() + ", replies: "
                + errors.stream().map(e -> e.substring(e.indexOf(' ') + 1)).distinct().toList());
        assertThat(errors).allSatisfy(error -> {
            String key = error.substring(0, error.indexOf(' '));
            assertThat(victimKeys).as("the key of error '%s'", error).contains(key);
            assertThat(error.substring(key.length() + 1)).startsWith("SERVER_ERROR ");
        });
        assertThat(loader.multiGetErrors()).as("multi-gets of the survivors' keys that failed").isEmpty();
    }

    /** Waits until the pool's server_ejects reaches {@code atLeast}, read from the stats port. */
    private void awaitEjections(long atLeast) throws Exception {
        Pattern ejects = Pattern.compile("\"" + MemcacheCluster.POOL + "\": \\{[^{]*\"server_ejects\":(\\d+)");
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DEADLINE_MILLIS);
        String stats = "";
        while (System.nanoTime() < deadline) {
            stats = cluster.stats();
            Matcher m = ejects.matcher(stats);
            assertThat(m.find()).as("server_ejects in %s", stats).isTrue();
            if (Long.parseLong(m.group(1)) >= atLeast) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("server_ejects never reached " + atLeast + ": " + stats);
    }

    private long victimEjectedAt() throws IOException {
        String stats = cluster.stats();
        Matcher m = Pattern.compile("\"" + Pattern.quote(cluster.server(VICTIM).address())
                + "\": \\{[^}]*\"server_ejected_at\":(\\d+)").matcher(stats);
        assertThat(m.find()).as("the victim in %s", stats).isTrue();
        return Long.parseLong(m.group(1));
    }

    /**
     * Writes every victim key through the proxy, a new value each time, until each one has been
     * STORED and then found directly on {@code where.apply(key)}. Errors on the way are fine (the
     * ring changes under us); the deadline is generous.
     */
    private void awaitVictimKeysOn(java.util.function.Function<String, Integer> where, String what) throws Exception {
        Set<String> pending = new LinkedHashSet<>(victimKeys);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DEADLINE_MILLIS);
        int round = 0;
        try (MemcacheWire client = cluster.client()) {
            while (!pending.isEmpty()) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("keys never written to " + what + ": " + pending);
                }
                round++;
                for (String key : new ArrayList<>(pending)) {
                    String value = "check-" + round;
                    String reply = client.call("set " + key + " 0 0 " + value.length() + "\r\n" + value + "\r\n");
                    if (!reply.equals("STORED")) {
                        assertThat(reply).startsWith("SERVER_ERROR ");
                        continue;
                    }
                    try (MemcacheWire direct = cluster.direct(where.apply(key))) {
                        direct.send("get " + key + "\r\n");
                        List<MemcacheWire.Block> blocks = direct.blocks();
                        if (blocks.size() == 1 && blocks.get(0).data().equals(value)) {
                            pending.remove(key);
                        }
                    } catch (IOException e) {
                        // the server is not up yet
                    }
                }
                Thread.sleep(20);
            }
        }
    }

    /**
     * A client that sets and gets every key in turn on one connection, and now and then multi-gets
     * three keys of the survivors, recording each error reply as "key reply". Its connection must
     * never be closed by the proxy.
     */
    private final class Loader implements Runnable {
        private final int port;
        private final List<String> keys;
        private final List<String> survivorKeys = new ArrayList<>();
        private final ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
        private final ConcurrentLinkedQueue<String> multiGetErrors = new ConcurrentLinkedQueue<>();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicLong cleanRounds = new AtomicLong();
        private final Thread thread = new Thread(this, "memcache-it-loader");
        private volatile Throwable failure;

        Loader(int port, List<String> keys) {
            this.port = port;
            this.keys = keys;
            for (int s = 0; s < 3; s++) {
                if (s != VICTIM) {
                    survivorKeys.addAll(keysOf.get(s));
                }
            }
        }

        void start() {
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void run() {
            try (MemcacheWire client = new MemcacheWire(port)) {
                long n = 0;
                while (running.get()) {
                    boolean clean = true;
                    for (String key : keys) {
                        String value = "load-" + n++;
                        String set = client.call("set " + key + " 0 0 " + value.length() + "\r\n" + value + "\r\n");
                        if (!set.equals("STORED")) {
                            errors.add(key + " " + set);
                            clean = false;
                        }
                        client.send("get " + key + "\r\n");
                        String line = client.line();
                        if (line.startsWith("VALUE ")) {
                            String data = new String(client.read(Integer.parseInt(line.split(" ")[3]) + 2),
                                    java.nio.charset.StandardCharsets.ISO_8859_1);
                            String end = client.line();
                            if (!end.equals("END") || !line.startsWith("VALUE " + key + " ")) {
                                throw new AssertionError("bad reply to get " + key + ": " + line + " " + data + end);
                            }
                            if (set.equals("STORED") && !victimKeys.contains(key) && !data.equals(value + "\r\n")) {
                                // A survivor's key never moves: the get must see the set just made.
                                // (A victim key may move between the two when the ring changes.)
                                throw new AssertionError("get " + key + " after STORED " + value + " gave " + data);
                            }
                        } else if (!line.equals("END")) {
                            errors.add(key + " " + line);
                            clean = false;
                        }
                        if (n % 10 == 0) {
                            multiGetSurvivors(client, n);
                        }
                        if (n % 10 == 5) {
                            multiGetAcrossAll(client, n);
                        }
                    }
                    if (clean) {
                        cleanRounds.incrementAndGet();
                    } else {
                        cleanRounds.set(0);
                    }
                }
            } catch (Throwable t) {
                failure = t;
            }
        }

        private void multiGetSurvivors(MemcacheWire client, long n) throws IOException {
            List<String> three = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                three.add(survivorKeys.get((int) ((n / 10 + i * 7) % survivorKeys.size())));
            }
            client.send("get " + String.join(" ", three) + "\r\n");
            String line = client.line();
            while (line.startsWith("VALUE ")) {
                client.read(Integer.parseInt(line.split(" ")[3]) + 2);
                line = client.line();
            }
            if (!line.equals("END")) {
                multiGetErrors.add(three + " " + line);
            }
        }

        /**
         * A multi-get with a key of every server, the victim's among them: while the victim is down
         * it may fail, with a SERVER_ERROR (recorded against the victim's key), and the connection
         * stays usable; otherwise every block is the one for its key, in key order.
         */
        private void multiGetAcrossAll(MemcacheWire client, long n) throws IOException {
            List<String> three = new ArrayList<>();
            for (int s = 0; s < 3; s++) {
                three.add(keysOf.get(s).get((int) ((n / 10) % KEYS_PER_SERVER)));
            }
            client.send("get " + String.join(" ", three) + "\r\n");
            String line = client.line();
            int next = 0;
            while (line.startsWith("VALUE ")) {
                String key = line.split(" ")[1];
                while (next < three.size() && !three.get(next).equals(key)) {
                    next++;
                }
                if (next == three.size()) {
                    throw new AssertionError("block for " + key + " out of order in the reply to get " + three);
                }
                next++;
                client.read(Integer.parseInt(line.split(" ")[3]) + 2);
                line = client.line();
            }
            if (!line.equals("END")) {
                errors.add(three.get(VICTIM) + " " + line);
            }
        }

        void awaitCleanRounds(long rounds) throws Exception {
            cleanRounds.set(0);
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DEADLINE_MILLIS);
            while (cleanRounds.get() < rounds) {
                if (failure != null) {
                    throw new AssertionError("the load failed", failure);
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("no " + rounds + " rounds without errors; errors: " + errors);
                }
                Thread.sleep(10);
            }
        }

        void stop() throws InterruptedException {
            running.set(false);
            thread.join(TimeUnit.MILLISECONDS.toMillis(DEADLINE_MILLIS));
        }

        Throwable failure() {
            return failure;
        }

        List<String> errors() {
            return List.copyOf(errors);
        }

        List<String> multiGetErrors() {
            return List.copyOf(multiGetErrors);
        }
    }
}
