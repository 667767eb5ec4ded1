package dev.nutjar.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;

/**
 * Pub/sub through the proxy with Jedis, Lettuce and redis-py listeners, against three real
 * redis-server shards: channels on every shard, patterns on all of them, messages in order, the
 * client's own subscription counts, PING and the errors of subscribed mode, and the connections
 * a subscriber holds, given back when it unsubscribes or leaves.
 */
@ExtendWith(NoLeaks.class)
class PubSubIT {
    private static final String POOL = ShardedProxy.POOL;
    private static final Duration WAIT = Duration.ofSeconds(10);

    @RegisterExtension
    static final ShardedProxy SHARDED = new ShardedProxy("  timeout: 400\n");

    /** One channel name per shard, each routed to a different server. */
    static List<String> channelPerServer(String prefix) {
        Map<String, String> byServer = new java.util.LinkedHashMap<>();
        for (int i = 0; byServer.size() < 3; i++) {
            String channel = prefix + i;
            byServer.putIfAbsent(SHARDED.proxy().serverOf(channel).name(), channel);
        }
        return new ArrayList<>(byServer.values());
    }

    /** A Jedis listener that records every event as text. */
    static final class Recorder extends JedisPubSub {
        final BlockingQueue<String> events = new LinkedBlockingQueue<>();

        @Override
        public void onMessage(String channel, String message) {
            events.add("message " + channel + " " + message);
        }

        @Override
        public void onPMessage(String pattern, String channel, String message) {
            events.add("pmessage " + pattern + " " + channel + " " + message);
        }

        @Override
        public void onSubscribe(String channel, int count) {
            events.add("subscribe " + channel + " " + count);
        }

        @Override
        public void onUnsubscribe(String channel, int count) {
            events.add("unsubscribe " + channel + " " + count);
        }

        @Override
        public void onPSubscribe(String pattern, int count) {
            events.add("psubscribe " + pattern + " " + count);
        }

        @Override
        public void onPUnsubscribe(String pattern, int count) {
            events.add("punsubscribe " + pattern + " " + count);
        }

        @Override
        public void onPong(String pattern) {
            events.add("pong " + pattern);
        }

        String next() throws InterruptedException {
            String event = events.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(event).as("an event within " + WAIT).isNotNull();
            return event;
        }
    }

    @Test
    void jedisListenerGetsEveryMessageInOrderWithTheClientsOwnCounts() throws Exception {
        List<String> channels = channelPerServer("news-");
        Recorder listener = new Recorder();
        Thread subscriber;
        try (Jedis subscribing = SHARDED.proxy().jedis(); Jedis publisher = SHARDED.proxy().jedis()) {
            subscriber = new Thread(() -> subscribing.subscribe(listener, channels.toArray(new String[0])));
            subscriber.start();
            for (int i = 0; i < 3; i++) {
                assertThat(listener.next()).isEqualTo("subscribe " + channels.get(i) + " " + (i + 1));
            }
            Await.until("one connection per server", WAIT,
                    () -> SessionStats.dedicatedConnections(SHARDED.proxy(), POOL) == 3);
            for (int m = 0; m < 100; m++) {
                for (String channel : channels) {
                    assertThat(publisher.publish(channel, "m" + m)).isEqualTo(1);
                }
            }
            List<String> got = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                got.add(listener.next());
            }
            for (String channel : channels) {
                List<String> ofChannel = got.stream().filter(e -> e.startsWith("message " + channel + " ")).toList();
                List<String> expected = new ArrayList<>();
                for (int m = 0; m < 100; m++) {
                    expected.add("message " + channel + " m" + m);
                }
                assertThat(ofChannel).as("messages of " + channel + ", in order").isEqualTo(expected);
            }

            listener.psubscribe("news-*");
            assertThat(listener.next()).isEqualTo("psubscribe news-* 4");
            publisher.publish(channels.get(1), "both");
            Set<String> both = new LinkedHashSet<>(List.of(listener.next(), listener.next()));
            assertThat(both).containsExactlyInAnyOrder("message " + channels.get(1) + " both",
                    "pmessage news-* " + channels.get(1) + " both");
            // A channel nobody subscribed to by name reaches the pattern on whichever server it lives.
            for (String other : channelPerServer("news-other-")) {
                publisher.publish(other, "p");
                assertThat(listener.next()).isEqualTo("pmessage news-* " + other + " p");
            }

            listener.ping();
            assertThat(listener.next()).isEqualTo("pong ");

            listener.unsubscribe(channels.get(0));
            assertThat(listener.next()).isEqualTo("unsubscribe " + channels.get(0) + " 3");
            listener.unsubscribe();
            assertThat(List.of(listener.next(), listener.next())).containsExactly(
                    "unsubscribe " + channels.get(1) + " 2", "unsubscribe " + channels.get(2) + " 1");
            listener.punsubscribe();
            assertThat(listener.next()).isEqualTo("punsubscribe news-* 0");
            subscriber.join(WAIT.toMillis());
            assertThat(subscriber.isAlive()).isFalse();
            // Out of subscribed mode, the same connection serves ordinary commands again.
            subscribing.set("after", "subscribed");
            assertThat(subscribing.get("after")).isEqualTo("subscribed");
        }
        Await.until("the subscriber's connections are closed", WAIT,
                () -> SessionStats.dedicatedConnections(SHARDED.proxy(), POOL) == 0);
    }

    @Test
    void subscribedClientGetsRedisErrorsAndTheUnsubscribeRepliesOfRedis() throws Exception {
        try (RespClient client = new RespClient(SHARDED.proxy().port())) {
            assertThat(client.callText("UNSUBSCRIBE")).isEqualTo(List.of("unsubscribe", "(nil)", 0L));
            assertThat(client.callText("SUBSCRIBE", "a")).isEqualTo(List.of("subscribe", "a", 1L));
            assertThat(client.callText("GET", "a")).isEqualTo(new RespClient.Error("ERR Can't execute 'get': only"
                    + " (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"));
            assertThat(client.callText("PING")).isEqualTo(List.of("pong", ""));
            assertThat(client.callText("SSUBSCRIBE", "s")).isEqualTo(List.of("ssubscribe", "s", 1L));
            assertThat(client.callText("UNSUBSCRIBE", "a")).isEqualTo(List.of("unsubscribe", "a", 0L));
            // Still subscribed to a shard channel: still in subscribed mode.
            assertThat(client.callText("PING")).isEqualTo(List.of("pong", ""));
            assertThat(client.callText("SUNSUBSCRIBE")).isEqualTo(List.of("sunsubscribe", "s", 0L));
            assertThat(client.callText("PING")).isEqualTo("PONG");
        }
        Await.until("the connections are closed", WAIT, () -> SessionStats.dedicatedConnections(SHARDED.proxy(), POOL) == 0);
    }

    @Test
    void lettuceListenerGetsMessagesOfChannelsOnEveryServerAndOfPatterns() throws Exception {
        ClientResources resources = DefaultClientResources.builder().ioThreadPoolSize(1)
                .computationThreadPoolSize(1).build();
        RedisClient client = RedisClient.create(resources, RedisURI.create("127.0.0.1", SHARDED.proxy().port()));
        try (StatefulRedisPubSubConnection<String, String> connection = client.connectPubSub();
                Jedis publisher = SHARDED.proxy().jedis()) {
            BlockingQueue<String> events = new LinkedBlockingQueue<>();
            connection.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(String channel, String message) {
                    events.add(channel + " " + message);
                }

                @Override
                public void message(String pattern, String channel, String message) {
                    events.add(pattern + " " + channel + " " + message);
                }
            });
            List<String> channels = channelPerServer("lettuce-");
            connection.sync().subscribe(channels.toArray(new String[0]));
            connection.sync().psubscribe("pat-*");
            Await.until("one connection per server", WAIT,
                    () -> SessionStats.dedicatedConnections(SHARDED.proxy(), POOL) == 3);
            for (int m = 0; m < 50; m++) {
                for (String channel : channels) {
                    publisher.publish(channel, "m" + m);
                }
            }
            publisher.publish("pat-1", "x");
            List<String> got = new ArrayList<>();
            for (int i = 0; i < 151; i++) {
                String event = events.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                assertThat(event).as("event " + i).isNotNull();
                got.add(event);
            }
            assertThat(got).contains("pat-* pat-1 x");
            for (String channel : channels) {
                List<String> ofChannel = got.stream().filter(e -> e.startsWith(channel + " ")).toList();
                assertThat(ofChannel).hasSize(50);
                for (int m = 0; m < 50; m++) {
                    assertThat(ofChannel.get(m)).isEqualTo(channel + " m" + m);
                }
            }
        } finally {
            client.shutdown(0, 2, TimeUnit.SECONDS);
            resources.shutdown(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        // The subscriber left without unsubscribing: its connections go with it.
        Await.until("the subscriber's connections are closed", WAIT,
                () -> SessionStats.dedicatedConnections(SHARDED.proxy(), POOL) == 0);
    }
}
