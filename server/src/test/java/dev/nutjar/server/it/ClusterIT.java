package dev.nutjar.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Transaction;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * A cluster pool in front of a real Redis Cluster (three masters, three replicas) while clients
 * write and read through Nutjar, every reply checked: slots moved by a live reshard, a new master
 * added and given slots, a master killed and its replica promoted. One cluster for the whole
 * class, changed step by step in order.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(NoLeaks.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterIT {
    private RedisClusterNodes cluster;
    private TestProxy proxy;

    @BeforeAll
    void startCluster() throws Exception {
        cluster = RedisClusterNodes.start(3);
        List<BackendProcess> masters = cluster.masters(cluster.nodes().get(0));
        proxy = TestProxy.startPool("cluster", """
                  redis: true
                  redis_cluster: true
                  timeout: 2000
                  servers:
                   - %s:1
                   - %s:1
                """.formatted(masters.get(0).address(), masters.get(1).address()), 2);
    }

    @AfterAll
    void stop() {
        if (proxy != null) {
            proxy.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void routesEachKeyToItsSlotsMaster() {
        try (Jedis jedis = proxy.jedis()) {
            for (int i = 0; i < 200; i++) {
                assertThat(jedis.set("key:" + i, "value:" + i)).isEqualTo("OK");
            }
            for (int i = 0; i < 200; i += 37) {
                String key = "key:" + i;
                try (Jedis direct = RedisShards.direct(cluster.masterOf(key, cluster.nodes().get(0)))) {
                    assertThat(direct.get(key)).isEqualTo("value:" + i);
                }
            }
            assertThat(jedis.mget("key:1", "key:2", "nokey", "key:3")).containsExactly("value:1", "value:2", null, "value:3");
            assertThat(jedis.exists("key:1", "key:2", "nokey")).isEqualTo(2);
            assertThat(jedis.mset("a", "1", "b", "2", "c", "3")).isEqualTo("OK");
            assertThat(jedis.del("a", "b", "c", "d")).isEqualTo(3);
        }
    }

    @Test
    @Order(2)
    void refusesKeysOfSeveralSlotsWhereRedisDoes() {
        try (Jedis jedis = proxy.jedis()) {
            assertThatThrownBy(() -> jedis.msetnx("a", "1", "b", "2"))
                    .isInstanceOf(JedisDataException.class)
                    .hasMessage("CROSSSLOT Keys in request don't hash to the same slot");
            assertThatThrownBy(() -> jedis.eval("return 1", 2, "a", "b"))
                    .hasMessage("CROSSSLOT Keys in request don't hash to the same slot");
            assertThatThrownBy(() -> jedis.smove("a", "b", "m"))
                    .hasMessage("CROSSSLOT Keys in request don't hash to the same slot");
            assertThat(jedis.msetnx("{user}a", "1", "{user}b", "2")).isEqualTo(1);
            assertThat(jedis.eval("return redis.call('get', KEYS[2])", 2, "{user}a", "{user}b")).isEqualTo("2");
            assertThat(jedis.echo("still here")).isEqualTo("still here");
        }
    }

    @Test
    @Order(2)
    void transactionsRunOnTheMasterOfTheirSlot() throws Exception {
        try (Jedis jedis = proxy.jedis()) {
            Transaction transaction = jedis.multi();
            transaction.set("{tx}a", "1");
            transaction.incr("{tx}b");
            transaction.get("{tx}a");
            assertThat(transaction.exec()).containsExactly("OK", 1L, "1");
            jedis.watch("{tx}a");
            Transaction watched = jedis.multi();
            watched.set("{tx}a", "2");
            assertThat(watched.exec()).containsExactly("OK");
            try (Jedis direct = RedisShards.direct(cluster.masterOf("{tx}a", cluster.nodes().get(0)))) {
                assertThat(direct.mget("{tx}a", "{tx}b")).containsExactly("2", "1");
            }
        }
        try (RespClient client = new RespClient(proxy.port())) {
            assertThat(client.callText("MULTI")).isEqualTo("OK");
            assertThat(client.callText("SET", "{tx}a", "3")).isEqualTo("QUEUED");
            assertThat(client.callText("SET", "{other}a", "3"))
                    .isEqualTo(new RespClient.Error("CROSSSLOT Keys in request don't hash to the same slot"));
            assertThat(client.callText("SET", "{tx}b", "3")).isEqualTo("QUEUED");
            assertThat(client.callText("EXEC")).isEqualTo(
                    new RespClient.Error("EXECABORT Transaction discarded because of previous errors."));
            assertThat(client.callText("MGET", "{tx}a", "{tx}b", "{other}a")).isEqualTo(List.of("2", "1", "(nil)"));
        }
    }

    @Test
    @Order(2)
    void blockingPopsWaitOnTheMasterOfTheirSlot() throws Exception {
        try (Jedis waiter = proxy.jedis(); Jedis pusher = proxy.jedis()) {
            CompletableFuture<List<String>> popped = CompletableFuture.supplyAsync(() -> waiter.blpop(0, "{q}jobs"));
            try (Jedis master = RedisShards.direct(cluster.masterOf("{q}jobs", cluster.nodes().get(0)))) {
                Await.until("the waiter blocks at the slot's master", Duration.ofSeconds(5),
                        () -> master.info("clients").contains("blocked_clients:1"));
            }
            assertThat(pusher.rpush("{q}jobs", "job-1")).isEqualTo(1);
            assertThat(popped.get(5, TimeUnit.SECONDS)).containsExactly("{q}jobs", "job-1");
            assertThatThrownBy(() -> waiter.blpop(1, "{q}jobs", "{other}jobs"))
                    .hasMessage("CROSSSLOT Keys in request don't hash to the same slot");
        }
    }

    /** A channel is subscribed on one master: a PUBLISH made at any node reaches it, once. */
    @Test
    @Order(2)
    void subscribersHearEveryNodesPublishesOnce() throws Exception {
        PubSubIT.Recorder listener = new PubSubIT.Recorder();
        try (Jedis subscribing = proxy.jedis(); Jedis publisher = proxy.jedis()) {
            Thread subscriber = new Thread(() -> subscribing.subscribe(listener, "news"));
            subscriber.start();
            assertThat(listener.next()).isEqualTo("subscribe news 1");
            // Counts the subscribers of the node it went to, the channel's slot's master, as in Redis Cluster.
            publisher.publish("news", "via proxy");
            List<BackendProcess> masters = cluster.masters(cluster.nodes().get(0));
            for (int m = 0; m < masters.size(); m++) {
                try (Jedis direct = RedisShards.direct(masters.get(m))) {
                    direct.publish("news", "at node " + m);
                }
            }
            List<String> got = new ArrayList<>();
            for (int i = 0; i <= masters.size(); i++) {
                got.add(listener.next());
            }
            assertThat(got).containsExactlyInAnyOrder("message news via proxy", "message news at node 0",
                    "message news at node 1", "message news at node 2");
            publisher.publish("news", "last");
            assertThat(listener.next()).as("no message twice").isEqualTo("message news last");
            listener.psubscribe("new*");
            assertThat(listener.next()).isEqualTo("psubscribe new* 2");
            try (Jedis direct = RedisShards.direct(masters.get(1))) {
                direct.publish("news", "p");
            }
            publisher.publish("news", "p last");
            assertThat(List.of(listener.next(), listener.next(), listener.next(), listener.next())).as("each once")
                    .containsExactlyInAnyOrder("message news p", "pmessage new* news p", "message news p last",
                            "pmessage new* news p last");
            listener.punsubscribe();
            assertThat(listener.next()).isEqualTo("punsubscribe new* 1");
            listener.unsubscribe();
            assertThat(listener.next()).isEqualTo("unsubscribe news 0");
            subscriber.join(5000);
        }
        try (RespClient sharded = new RespClient(proxy.port()); RespClient publisher = new RespClient(proxy.port())) {
            assertThat(sharded.callText("SSUBSCRIBE", "{s}news")).isEqualTo(List.of("ssubscribe", "{s}news", 1L));
            assertThat(publisher.callText("SPUBLISH", "{s}news", "sharded")).isEqualTo(1L);
            assertThat(RespClient.text(sharded.read())).isEqualTo(List.of("smessage", "{s}news", "sharded"));
        }
    }

    /**
     * One slot migrated by hand, step by step: each redirect is followed where Redis says, and a
     * multi-key request over keys on both sides gets Redis's own TRYAGAIN once the retries run out.
     */
    @Test
    @Order(3)
    void followsAskTryagainAndMovedOfAMigratingSlot() throws Exception {
        String key = "{migrating}one";
        String other = "{migrating}two";
        BackendProcess observer = cluster.nodes().get(0);
        BackendProcess from = cluster.masterOf(key, observer);
        BackendProcess to = cluster.masters(observer).stream().filter(m -> m != from).findFirst().orElseThrow();
        try (Jedis jedis = proxy.jedis(); Jedis source = RedisShards.direct(from); Jedis target = RedisShards.direct(to);
                RespClient transaction = new RespClient(proxy.port())) {
            assertThat(jedis.mset(key, "1", other, "2")).isEqualTo("OK");
            int slot = (int) source.clusterKeySlot(key);
            // A transaction stays on the node it began on: the slot's move is the client's to see.
            assertThat(transaction.callText("MULTI")).isEqualTo("OK");
            assertThat(transaction.callText("SET", key, "in transaction")).isEqualTo("QUEUED");
            source.configResetStat();
            target.clusterSetSlotImporting(slot, cluster.id(from));
            source.clusterSetSlotMigrating(slot, cluster.id(to));
            source.migrate("127.0.0.1", to.port(), key, 0, 5000);

            assertThat(jedis.get(key)).isEqualTo("1");
            assertThat(jedis.get(other)).isEqualTo("2");
            assertThatThrownBy(() -> jedis.mget(key, other)).hasMessageStartingWith("TRYAGAIN");
            source.migrate("127.0.0.1", to.port(), other, 0, 5000);
            assertThat(jedis.mget(key, other)).containsExactly("1", "2");
            for (BackendProcess master : cluster.masters(observer)) {
                try (Jedis node = RedisShards.direct(master)) {
                    node.clusterSetSlotNode(slot, cluster.id(to));
                }
            }
            assertThat(jedis.get(key)).isEqualTo("1");
            assertThat(jedis.set(other, "3")).isEqualTo("OK");
            assertThat(transaction.callText("SET", other, "in transaction"))
                    .isEqualTo(new RespClient.Error("MOVED " + slot + " " + to.address()));
            // The node discards the transaction, whose slot it no longer serves.
            assertThat(transaction.callText("EXEC")).isEqualTo(new RespClient.Error("MOVED " + slot + " " + to.address()));
            assertThat(jedis.mget(key, other)).containsExactly("1", "3");

            // Redis's count of the errors it sent: the ASKs followed, and TRYAGAIN once and on five retries.
            assertThat(source.info("errorstats")).contains("errorstat_ASK:count=2", "errorstat_TRYAGAIN:count=6");
        }
    }

    @Test
    @Order(4)
    void startsWithItsFirstSeedDown() throws Exception {
        int dead = BackendProcess.freePort();
        BackendProcess live = cluster.masters(cluster.nodes().get(0)).get(2);
        try (TestProxy seeded = TestProxy.startPool("seeded", """
                  redis: true
                  redis_cluster: true
                  servers:
                   - 127.0.0.1:%d:1
                   - %s:1
                """.formatted(dead, live.address()), 1);
                Jedis jedis = seeded.jedis()) {
            for (int i = 0; i < 50; i++) {
                assertThat(jedis.set("seed:" + i, "v" + i)).isEqualTo("OK");
                assertThat(jedis.get("seed:" + i)).isEqualTo("v" + i);
            }
        }
    }

    @Test
    @Order(5)
    void readFromReplicaSendsReadsToReplicasAndWritesToMasters() throws Exception {
        BackendProcess observer = cluster.nodes().get(0);
        List<BackendProcess> masters = cluster.masters(observer);
        List<BackendProcess> replicas = cluster.live().stream().filter(n -> !masters.contains(n)).toList();
        assertThat(replicas).hasSize(3);
        cluster.awaitReplicasOnline(masters, 3);
        try (TestProxy reads = startReadFrom("replica"); Jedis jedis = reads.jedis()) {
            writeAndReadBack(jedis, "rf:", "v", masters);
            for (int i = 0; i < 20; i++) {
                assertThat(jedis.mget("rf:" + i, "rf:" + (i + 50), "rf:none", "rf:" + (i + 100)))
                        .containsExactly("v" + i, "v" + (i + 50), null, "v" + (i + 100));
            }

            assertThat(calls(masters, "set")).isEqualTo(200);
            assertThat(calls(replicas, "get")).isEqualTo(200);
            assertThat(calls(masters, "get")).isZero();
            assertThat(calls(replicas, "mget")).as("MGET parts, one per slot").isGreaterThanOrEqualTo(20 * 3);
            assertThat(calls(masters, "mget")).isZero();
            assertThat(replicas).allMatch(r -> calls(List.of(r), "get") > 0, "every replica reads its master's slots");
            assertThat(calls(replicas, "readonly")).as("READONLY on each replica connection").isPositive();
        }
    }

    @Test
    @Order(6)
    void aStoppedReplicasReadsGoToItsMasterUntilItIsBack() throws Exception {
        BackendProcess observer = cluster.nodes().get(0);
        BackendProcess master = aMasterWithAReplica(observer);
        BackendProcess replica = cluster.replicaOf(master, observer);
        List<String> itsKeys = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            if (cluster.masterOf("rf:" + i, observer) == master) {
                itsKeys.add("rf:" + i);
            }
        }
        assertThat(itsKeys).isNotEmpty();
        try (TestProxy reads = startReadFrom("replica"); Jedis jedis = reads.jedis()) {
            for (int i = 0; i < 200; i++) {
                assertThat(jedis.get("rf:" + i)).isEqualTo("v" + i);
            }
            resetCommandStats();
            replica.kill();
            for (int round = 0; round < 5; round++) {
                for (int i = 0; i < 200; i++) {
                    assertThat(jedis.get("rf:" + i)).isEqualTo("v" + i);
                }
            }
            assertThat(calls(List.of(master), "get")).isEqualTo(5L * itsKeys.size());

            cluster.restartEmpty(replica);
            Await.until("the restarted replica reads again", Duration.ofSeconds(20), () -> {
                for (String key : itsKeys) {
                    assertThat(jedis.get(key)).isEqualTo("v" + key.substring(3));
                }
                return calls(List.of(replica), "get") > 0;
            });
        }
        cluster.awaitOk(cluster.live());
    }

    @Test
    @Order(7)
    void readFromNearestAnswersFromTheNodesOfEachSlot() throws Exception {
        List<BackendProcess> masters = cluster.masters(cluster.nodes().get(0));
        try (TestProxy reads = startReadFrom("nearest"); Jedis jedis = reads.jedis()) {
            writeAndReadBack(jedis, "near:", "n", masters);
            assertThat(jedis.mget("near:1", "near:2", "near:3")).containsExactly("n1", "n2", "n3");
            assertThat(calls(masters, "set")).isEqualTo(200);
            assertThat(calls(cluster.live(), "get")).as("each GET answered once, by one node of its slot").isEqualTo(200);
        }
    }

    @Test
    @Order(8)
    void replicasThatRefuseReadonlyAreNotReadFrom() throws Exception {
        BackendProcess observer = cluster.nodes().get(0);
        List<BackendProcess> masters = cluster.masters(observer);
        List<BackendProcess> replicas = cluster.live().stream().filter(n -> !masters.contains(n)).toList();
        setOnEach(replicas, "-readonly");
        try (TestProxy reads = startReadFrom("replica"); Jedis jedis = reads.jedis()) {
            resetCommandStats();
            for (int i = 0; i < 200; i++) {
                assertThat(jedis.get("rf:" + i)).isEqualTo("v" + i);
            }
            assertThat(calls(masters, "get")).isEqualTo(200);
            assertThat(calls(replicas, "get")).isZero();
        } finally {
            setOnEach(replicas, "+readonly");
        }
    }

    @Test
    @Order(9)
    void nodeConnectionsLogInAsThePoolSays() throws Exception {
        List<BackendProcess> nodes = cluster.live();
        for (BackendProcess node : nodes) {
            try (Jedis jedis = RedisShards.direct(node)) {
                assertThat(jedis.aclSetUser("nutjar", "on", ">node-secret", "~*", "&*", "+@all")).isEqualTo("OK");
            }
        }
        // Only a connection logged in as the pool's user may now GET.
        setOnEach(nodes, "-get");
        try (TestProxy authed = TestProxy.startPool("authed", """
                  redis: true
                  redis_cluster: true
                  redis_username: nutjar
                  redis_server_auth: node-secret
                  timeout: 2000
                  servers:
                   - %s:1
                """.formatted(nodes.get(0).address()), 2); Jedis jedis = authed.jedis()) {
            for (int i = 0; i < 200; i++) {
                assertThat(jedis.set("auth:" + i, "v" + i)).isEqualTo("OK");
                assertThat(jedis.get("auth:" + i)).isEqualTo("v" + i);
            }
        } finally {
            setOnEach(nodes, "+get");
            for (BackendProcess node : nodes) {
                try (Jedis jedis = RedisShards.direct(node)) {
                    jedis.aclDelUser("nutjar");
                }
            }
        }
    }

    /** Changes what the default user may run on each of {@code nodes} ({@code ACL SETUSER default rule}). */
    private static void setOnEach(List<BackendProcess> nodes, String rule) {
        for (BackendProcess node : nodes) {
            try (Jedis jedis = RedisShards.direct(node)) {
                assertThat(jedis.aclSetUser("default", rule)).isEqualTo("OK");
            }
        }
    }

    @Test
    @Order(10)
    void aLiveReshardIsInvisibleToClients() throws Exception {
        List<BackendProcess> masters = cluster.masters(cluster.nodes().get(0));
        try (Load load = Load.start(proxy, 4)) {
            load.awaitOps(2000);
            long started = load.millis();
            cluster.reshard(masters.get(0), masters.get(1), 500);
            long ended = load.millis();
            load.awaitOps(load.ops() + 2000);
            load.stop();
            System.out.printf("cluster reshard of 500 slots: %d ms, %d client ops checked, %d errors%n",
                    ended - started, load.ops(), load.errors().size());
            assertThat(load.errors()).isEmpty();
        }
    }

    @Test
    @Order(11)
    void aNewMasterTakesSlotsWhileClientsRun() throws Exception {
        BackendProcess added = cluster.startNode();
        String cursorBefore;
        try (Jedis jedis = proxy.jedis()) {
            cursorBefore = jedis.scan(ScanParams.SCAN_POINTER_START, new ScanParams().count(10)).getCursor();
            assertThat(jedis.scan(cursorBefore).getCursor()).isNotNull();
        }
        try (Load load = Load.start(proxy, 4)) {
            load.awaitOps(2000);
            long started = load.millis();
            cluster.addMaster(added);
            long joined = load.millis();
            cluster.reshard(cluster.masters(cluster.nodes().get(0)).get(1), added, 300);
            long ended = load.millis();
            load.awaitOps(load.ops() + 2000);
            load.stop();
            System.out.printf("cluster add-node: %d ms; reshard of 300 slots to it: %d ms; %d client ops checked,"
                    + " %d errors%n", joined - started, ended - joined, load.ops(), load.errors().size());
            assertThat(load.errors()).isEmpty();
        }
        assertThat(cluster.masters(cluster.nodes().get(0))).contains(added);
        // A SCAN cursor names masters: made before the new one joined, it is refused, not walked on.
        try (Jedis jedis = proxy.jedis()) {
            Await.until("a SCAN cursor from before the new master is refused", Duration.ofSeconds(10),
                    () -> scanRefused(jedis, cursorBefore));
        }
    }

    private static boolean scanRefused(Jedis jedis, String cursor) {
        try {
            jedis.scan(cursor);
            return false;
        } catch (JedisDataException e) {
            assertThat(e).hasMessage("ERR invalid cursor");
            return true;
        }
    }

    @Test
    @Order(12)
    void aFailoverFailsRequestsOnlyWhileItLasts() throws Exception {
        BackendProcess observer = cluster.nodes().get(0);
        BackendProcess victim = aMasterWithAReplica(observer);
        BackendProcess replica = cluster.replicaOf(victim, observer);
        try (Load load = Load.start(proxy, 4)) {
            load.awaitOps(2000);
            long killed = load.millis();
            victim.kill();
            Await.until(replica.address() + " promoted", Duration.ofSeconds(30),
                    () -> cluster.masters(observer).contains(replica));
            long promoted = load.millis();
            cluster.awaitOk(cluster.live());
            long ok = load.millis();
            // Once the cluster is whole again and the proxy has answered a request for every key,
            // nothing fails any more.
            Await.until("the proxy serves the promoted replica's slots", Duration.ofSeconds(10), load::quietSinceLastError);
            long settled = load.millis();
            long errorsBefore = load.errors().size();
            long opsBefore = load.ops();
            load.awaitOps(opsBefore + 3000);
            load.stop();
            List<Load.Failure> errors = load.errors();
            long firstError = errors.isEmpty() ? -1 : errors.get(0).atMillis() - killed;
            long lastError = errors.isEmpty() ? -1 : errors.get(errors.size() - 1).atMillis() - killed;
            System.out.printf("cluster failover timeline (ms after kill): promoted seen %d, cluster_state ok %d,"
                    + " client errors %d (first %d, last %d), proxy settled %d; %d ops after, %d errors after%n",
                    promoted - killed, ok - killed, errorsBefore, firstError, lastError, settled - killed,
                    load.ops() - opsBefore, errors.size() - errorsBefore);
            assertThat(errors.size()).isEqualTo(errorsBefore);
            assertThat(errors).allMatch(e -> e.atMillis() <= settled);
        }
    }

    /**
     * The commands for every server go over the masters the proxy knows now (after the failover:
     * a promoted replica, the master added): sums, a SCAN that lists each key once, scripts on
     * every master, KEYS only where the pool allows it.
     */
    @Test
    @Order(13)
    void commandsForEveryServerGoOverTheMasters() throws Exception {
        BackendProcess observer = cluster.nodes().get(0);
        List<BackendProcess> masters = cluster.masters(observer);
        List<String> written = new ArrayList<>();
        try (Jedis jedis = proxy.jedis()) {
            Pipeline pipeline = jedis.pipelined();
            for (int i = 0; i < 2000; i++) {
                written.add("scan:" + i);
                pipeline.set("scan:" + i, "v" + i);
            }
            pipeline.sync();
            long sum = 0;
            for (BackendProcess master : masters) {
                try (Jedis direct = RedisShards.direct(master)) {
                    sum += direct.dbSize();
                }
            }
            assertThat(jedis.dbSize()).isEqualTo(sum);
            assertThat(jedis.info("keyspace")).contains("db0:keys=" + sum + ",");
            assertThat(jedis.info("server")).contains("pool_servers:" + masters.size());
            assertThat(jedis.randomKey()).isNotNull();

            List<String> scanned = new ArrayList<>();
            ScanParams params = new ScanParams().match("scan:*").count(1000);
            String cursor = ScanParams.SCAN_POINTER_START;
            do {
                ScanResult<String> page = jedis.scan(cursor, params);
                scanned.addAll(page.getResult());
                cursor = page.getCursor();
            } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
            assertThat(scanned).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(written);
            assertThatThrownBy(() -> jedis.scan("12345")).hasMessage("ERR invalid cursor");

            String sha = jedis.scriptLoad("return redis.call('get', KEYS[1])");
            assertThat(jedis.scriptExists(sha)).isTrue();
            for (BackendProcess master : masters) {
                String key = written.stream().filter(k -> cluster.masterOf(k, observer) == master).findFirst().orElseThrow();
                assertThat(jedis.evalsha(sha, 1, key)).isEqualTo("v" + key.substring("scan:".length()));
            }
            assertThatThrownBy(() -> jedis.keys("scan:*")).hasMessageContaining("'keys' is disabled in pool 'cluster'");
        }
        try (TestProxy allowing = TestProxy.startPool("keys", """
                  redis: true
                  redis_cluster: true
                  allow_commands: [keys]
                  servers:
                   - %s:1
                """.formatted(observer.address()), 1); Jedis jedis = allowing.jedis()) {
            assertThat(jedis.keys("scan:*")).containsExactlyInAnyOrderElementsOf(written);
        }
    }

    /**
     * With the nodes' command counts reset: 200 keys set through {@code jedis}, then, once the
     * replicas have them, each read back and checked.
     */
    private void writeAndReadBack(Jedis jedis, String keyPrefix, String valuePrefix, List<BackendProcess> masters)
            throws Exception {
        resetCommandStats();
        for (int i = 0; i < 200; i++) {
            assertThat(jedis.set(keyPrefix + i, valuePrefix + i)).isEqualTo("OK");
        }
        awaitReplicated(masters);
        for (int i = 0; i < 200; i++) {
            assertThat(jedis.get(keyPrefix + i)).isEqualTo(valuePrefix + i);
        }
    }

    /** A master other than {@code observer} that has a replica, as {@code observer} sees them. */
    private BackendProcess aMasterWithAReplica(BackendProcess observer) {
        return cluster.masters(observer).stream()
                .filter(m -> m != observer && cluster.hasReplica(m, observer)).findFirst().orElseThrow();
    }

    private TestProxy startReadFrom(String readFrom) throws Exception {
        return TestProxy.startPool("reads", """
                  redis: true
                  redis_cluster: true
                  read_from: %s
                  timeout: 2000
                  servers:
                   - %s:1
                """.formatted(readFrom, cluster.nodes().get(0).address()), 2);
    }

    private void resetCommandStats() {
        for (BackendProcess node : cluster.live()) {
            try (Jedis jedis = RedisShards.direct(node)) {
                jedis.configResetStat();
            }
        }
    }

    /** The calls of {@code command} the nodes counted since their stats were reset. */
    private static long calls(List<BackendProcess> nodes, String command) {
        Pattern calls = Pattern.compile("(?m)^cmdstat_" + command + ":calls=(\\d+),");
        long total = 0;
        for (BackendProcess node : nodes) {
            try (Jedis jedis = RedisShards.direct(node)) {
                Matcher m = calls.matcher(jedis.info("commandstats"));
                total += m.find() ? Long.parseLong(m.group(1)) : 0;
            }
        }
        return total;
    }

    /** Waits until every replica of {@code masters} has acknowledged all of its master's writes. */
    private static void awaitReplicated(List<BackendProcess> masters) throws Exception {
        Pattern offset = Pattern.compile("(?m)^master_repl_offset:(\\d+)");
        Pattern replicaOffset = Pattern.compile("(?m)^slave\\d+:.*,offset=(\\d+),");
        Await.until("the replicas have their masters' writes", Duration.ofSeconds(10), () -> {
            for (BackendProcess master : masters) {
                try (Jedis jedis = RedisShards.direct(master)) {
                    String info = jedis.info("replication");
                    Matcher m = offset.matcher(info);
                    if (!m.find()) {
                        return false;
                    }
                    Matcher r = replicaOffset.matcher(info);
                    while (r.find()) {
                        if (!r.group(1).equals(m.group(1))) {
                            return false;
                        }
                    }
                }
            }
            return true;
        });
    }

    /** Client threads that write and read back their own keys through the proxy, checking every reply. */
    static final class Load implements AutoCloseable {
        record Failure(long atMillis, String what) {}

        private final long start = System.nanoTime();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicLong ops = new AtomicLong();
        private final List<Failure> errors = Collections.synchronizedList(new ArrayList<>());
        private final List<Thread> threads = new ArrayList<>();
        private volatile long lastErrorOps = -1;

        static Load start(TestProxy proxy, int clients) {
            Load load = new Load();
            for (int t = 0; t < clients; t++) {
                int client = t;
                Thread thread = new Thread(() -> load.run(proxy, client), "cluster-load-" + t);
                load.threads.add(thread);
                thread.start();
            }
            return load;
        }

        private void run(TestProxy proxy, int client) {
            Jedis jedis = proxy.jedis();
            for (long i = 0; running.get(); i++) {
                String key = "load:" + client + ":" + (i % 500);
                String value = client + ":" + i;
                try {
                    check(key, "SET", jedis.set(key, value), "OK");
                    check(key, "GET", jedis.get(key), value);
                    if (i % 4 == 0) {
                        String k2 = "load:" + client + ":m:" + (i % 97);
                        String k3 = "load:" + client + ":n:" + (i % 89);
                        check(key, "MSET", jedis.mset(key, value, k2, value, k3, value), "OK");
                        check(key, "MGET", String.join(",", jedis.mget(key, k2, k3)), value + "," + value + "," + value);
                    }
                    ops.incrementAndGet();
                } catch (RuntimeException e) {
                    failed(e.toString());
                    if (!(e instanceof JedisDataException)) {
                        jedis.close();
                        jedis = proxy.jedis();
                    }
                }
            }
            jedis.close();
        }

        private void check(String key, String command, String got, String expected) {
            if (!expected.equals(got)) {
                failed(command + " " + key + ": expected " + expected + ", got " + got);
            }
        }

        private void failed(String what) {
            errors.add(new Failure(millis(), what));
            lastErrorOps = ops.get();
        }

        long millis() {
            return (System.nanoTime() - start) / 1_000_000;
        }

        long ops() {
            return ops.get();
        }

        List<Failure> errors() {
            synchronized (errors) {
                return List.copyOf(errors);
            }
        }

        /** Whether every client made 500 checked rounds since the last error. */
        boolean quietSinceLastError() {
            return ops.get() - lastErrorOps > 500L * threads.size();
        }

        void awaitOps(long target) throws Exception {
            Await.until(target + " client operations", Duration.ofSeconds(30), () -> ops.get() >= target);
        }

        void stop() {
            running.set(false);
            for (Thread thread : threads) {
                try {
                    thread.join(10_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }

        @Override
        public void close() {
            stop();
        }
    }
}
