package dev.nutjar.memcache;

import static dev.nutjar.memcache.Feeder.ascii;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MemcacheMultiGetTest {

    private static final ByteBufAllocator ALLOC = UnpooledByteBufAllocator.DEFAULT;

    private final Feeder feeder = new Feeder();
    private final List<MemcacheRequest> requests = new ArrayList<>();

    @AfterEach
    void everyBufferReleased() {
        requests.forEach(r -> assertThat(r.refCnt()).isZero());
        feeder.assertAllReleased();
    }

    private MemcacheRequest parse(String line) {
        ByteBuf in = feeder.track(Unpooled.copiedBuffer(ascii(line)));
        MemcacheRequest request = new MemcacheRequestParser(1 << 20, 2048, 100_000).parse(in);
        assertThat(in.isReadable()).isFalse();
        in.release();
        requests.add(request);
        return request;
    }

    private MemcacheMultiGet split(MemcacheRequest get, int... servers) {
        MemcacheMultiGet multiGet = MemcacheMultiGet.split(get, servers, ALLOC);
        for (int f = 0; f < multiGet.fragmentCount(); f++) {
            feeder.track(multiGet.fragment(f).frame());
        }
        return multiGet;
    }

    private static List<String> fragments(MemcacheMultiGet multiGet) {
        List<String> fragments = new ArrayList<>();
        for (int f = 0; f < multiGet.fragmentCount(); f++) {
            MemcacheRequest fragment = multiGet.fragment(f);
            StringBuilder keys = new StringBuilder();
            for (int k = 0; k < fragment.keyCount(); k++) {
                keys.append(k == 0 ? "" : ",").append(Feeder.text(fragment.key(k)));
            }
            fragments.add(multiGet.fragmentServer(f) + ": " + MemcacheRequestParserTest.escape(Feeder.text(fragment.frame()))
                    + " [" + keys + "]");
        }
        return fragments;
    }

    private ByteBuf reply(String text) {
        return feeder.track(Unpooled.copiedBuffer(ascii(text)));
    }

    private String merge(MemcacheMultiGet multiGet) {
        ByteBuf merged = feeder.track(multiGet.merge(ALLOC));
        try {
            return Feeder.text(merged);
        } finally {
            merged.release();
        }
    }

    @Test
    void splitsByServerInOrderOfFirstAppearance() {
        MemcacheRequest get = parse("get a  bb c d\r\n");
        MemcacheMultiGet multiGet = split(get, 1, 0, 1, 2);
        get.release();
        assertThat(fragments(multiGet)).containsExactly(
                "1: get a c\\r\\n [a,c]",
                "0: get bb\\r\\n [bb]",
                "2: get d\\r\\n [d]");
        multiGet.release();
    }

    @Test
    void keepsDuplicatesAndTheCommand() {
        MemcacheRequest gets = parse("gets a b a\r\n");
        MemcacheMultiGet multiGet = split(gets, 7, 3, 7);
        assertThat(fragments(multiGet)).containsExactly("7: gets a a\\r\\n [a,a]", "3: gets b\\r\\n [b]");
        multiGet.release();
        gets.release();
    }

    @Test
    void mergesValuesInTheClientsKeyOrderDespiteMissesAndDuplicates() {
        // twemproxy answers this one c, b, f, d: each server's next block, whatever its key.
        MemcacheRequest get = parse("get miss1 b c d miss2 f b\r\n");
        MemcacheMultiGet multiGet = split(get, 1, 2, 1, 2, 2, 1, 2);
        get.release();
        assertThat(fragments(multiGet)).containsExactly(
                "1: get miss1 c f\\r\\n [miss1,c,f]", "2: get b d miss2 b\\r\\n [b,d,miss2,b]");
        multiGet.onReply(1, reply("VALUE b 0 2\r\nbb\r\nVALUE d 4 1\r\nd\r\nVALUE b 0 2\r\nbb\r\nEND\r\n"));
        assertThat(multiGet.isComplete()).isFalse();
        multiGet.onReply(0, reply("VALUE c 3 1\r\nc\r\nVALUE f 0 0\r\n\r\nEND\r\n"));
        assertThat(multiGet.isComplete()).isTrue();
        assertThat(merge(multiGet)).isEqualTo(
                "VALUE b 0 2\r\nbb\r\nVALUE c 3 1\r\nc\r\nVALUE d 4 1\r\nd\r\nVALUE f 0 0\r\n\r\nVALUE b 0 2\r\nbb\r\nEND\r\n");
        assertThat(merge(multiGet)).as("merging again gives the same").startsWith("VALUE b 0 2\r\n");
        multiGet.release();
        multiGet.release();
    }

    @Test
    void mergesAllMisses() {
        MemcacheRequest get = parse("gets a b\r\n");
        MemcacheMultiGet multiGet = split(get, 0, 1);
        get.release();
        multiGet.onReply(0, reply("END\r\n"));
        multiGet.onReply(1, reply("END\r\n"));
        assertThat(merge(multiGet)).isEqualTo("END\r\n");
        multiGet.release();
    }

    @Test
    void splitsAThousandKeysOverThreeServersAndMergesThemBackInOrder() {
        Random random = new Random(1000);
        StringBuilder line = new StringBuilder("gets");
        List<String> keys = new ArrayList<>();
        int[] servers = new int[1000];
        for (int i = 0; i < 1000; i++) {
            // Some keys repeat, so some servers get the same key twice.
            String key = random.nextInt(10) == 0 && i > 0 ? keys.get(random.nextInt(i)) : "key:" + i + ":" + "x".repeat(random.nextInt(40));
            keys.add(key);
            line.append(' ').append(key);
            servers[i] = Math.floorMod(key.hashCode(), 3);
        }
        Map<String, String> values = new HashMap<>();
        for (String key : keys) {
            if (random.nextInt(3) != 0) {
                values.put(key, "value of " + key + "\r\n" + "v".repeat(random.nextInt(100)));
            }
        }
        MemcacheRequest gets = parse(line.append("\r\n").toString());
        MemcacheMultiGet multiGet = split(gets, servers);
        gets.release();
        assertThat(multiGet.fragmentCount()).isEqualTo(3);

        // Each server answers as memcached does: a block per hit, in the order asked, then END.
        for (int f = 0; f < 3; f++) {
            MemcacheRequest fragment = multiGet.fragment(f);
            assertThat(fragment.command()).isEqualTo(MemcacheCommand.GETS);
            StringBuilder reply = new StringBuilder();
            for (int k = 0; k < fragment.keyCount(); k++) {
                String key = Feeder.text(fragment.key(k));
                assertThat(Math.floorMod(key.hashCode(), 3)).isEqualTo(multiGet.fragmentServer(f));
                reply.append(block(key, values.get(key)));
            }
            multiGet.onReply(f, reply(reply.append("END\r\n").toString()));
        }
        StringBuilder expected = new StringBuilder();
        for (String key : keys) {
            expected.append(block(key, values.get(key)));
        }
        assertThat(merge(multiGet)).isEqualTo(expected.append("END\r\n").toString());
        multiGet.release();
    }

    private static String block(String key, String value) {
        if (value == null) {
            return "";
        }
        return "VALUE " + key + " " + value.length() % 7 + " " + value.length() + " " + (Math.floorMod(key.hashCode(), 1000) + 1000)
                + "\r\n" + value + "\r\n";
    }

    @Test
    void aFailedFragmentFailsTheWholeRequest() {
        MemcacheRequest get = parse("get a b c\r\n");
        MemcacheMultiGet multiGet = split(get, 0, 1, 2);
        get.release();
        multiGet.onReply(0, reply("VALUE a 0 1\r\na\r\nEND\r\n"));
        multiGet.onFailure(2, MemcacheReplies.CONNECTION_REFUSED);
        multiGet.onFailure(1, MemcacheReplies.CONNECTION_TIMED_OUT);
        assertThat(merge(multiGet)).isEqualTo("SERVER_ERROR Connection timed out\r\n");
        multiGet.release();
    }

    @Test
    void aBackendErrorLineIsPassedOn() {
        MemcacheRequest get = parse("get a b\r\n");
        MemcacheMultiGet multiGet = split(get, 0, 1);
        get.release();
        multiGet.onReply(0, reply("VALUE a 0 1\r\na\r\nEND\r\n"));
        multiGet.onReply(1, reply("SERVER_ERROR out of memory writing get response\r\n"));
        assertThat(merge(multiGet)).isEqualTo("SERVER_ERROR out of memory writing get response\r\n");
        multiGet.release();
    }

    @Test
    void aBlockForAKeyNotAskedForIsAnInvalidReply() {
        MemcacheRequest get = parse("get a b\r\n");
        MemcacheMultiGet multiGet = split(get, 0, 1);
        get.release();
        multiGet.onReply(0, reply("VALUE zz 0 1\r\na\r\nEND\r\n"));
        multiGet.onReply(1, reply("VALUE b 0 1\r\nb\r\nEND\r\n"));
        assertThat(merge(multiGet)).isEqualTo("SERVER_ERROR Invalid argument\r\n");
        multiGet.release();

        get = parse("get a b\r\n");
        multiGet = split(get, 0, 1);
        get.release();
        multiGet.onReply(0, reply("VALUE a 0 1\r\na\r\nEND\r\nEND\r\n"));
        multiGet.onReply(1, reply("STORED\r\n"));
        assertThat(merge(multiGet)).isEqualTo("SERVER_ERROR Invalid argument\r\n");
        multiGet.release();
    }

    @Test
    void keysAllOnOneServerAreForwardedVerbatim() {
        MemcacheRequest get = parse("get  a b  a \r\n");
        MemcacheMultiGet multiGet = split(get, 4, 4, 4);
        assertThat(fragments(multiGet)).containsExactly("4: get  a b  a \\r\\n [a,b,a]");
        assertThat(multiGet.fragment(0).frame().unwrap()).as("not a copy").isSameAs(get.frame().unwrap());
        get.release();
        ByteBuf reply = reply("VALUE a 0 1\r\na\r\nVALUE a 0 1\r\na\r\nEND\r\n");
        multiGet.onReply(0, reply);
        ByteBuf merged = feeder.track(multiGet.merge(ALLOC));
        assertThat(merged.unwrap()).as("not a copy").isSameAs(reply);
        assertThat(Feeder.text(merged)).isEqualTo("VALUE a 0 1\r\na\r\nVALUE a 0 1\r\na\r\nEND\r\n");
        merged.release();
        multiGet.release();
    }

    @Test
    void refusesMisuse() {
        MemcacheRequest single = parse("get a\r\n");
        assertThatThrownBy(() -> MemcacheMultiGet.split(single, new int[] {0}, ALLOC))
                .isInstanceOf(IllegalArgumentException.class);
        single.release();
        MemcacheRequest set = parse("set a 0 0 1\r\nx\r\n");
        assertThatThrownBy(() -> MemcacheMultiGet.split(set, new int[] {0}, ALLOC))
                .isInstanceOf(IllegalArgumentException.class);
        set.release();

        MemcacheRequest get = parse("get a b\r\n");
        assertThatThrownBy(() -> MemcacheMultiGet.split(get, new int[] {0}, ALLOC))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MemcacheMultiGet.split(get, new int[] {0, -1}, ALLOC))
                .isInstanceOf(IllegalArgumentException.class);
        MemcacheMultiGet multiGet = split(get, 0, 1);
        get.release();
        assertThatThrownBy(() -> multiGet.merge(ALLOC)).isInstanceOf(IllegalStateException.class);
        multiGet.onReply(0, reply("END\r\n"));
        ByteBuf twice = reply("END\r\n");
        assertThatThrownBy(() -> multiGet.onReply(0, twice)).isInstanceOf(IllegalStateException.class);
        assertThat(twice.refCnt()).as("released even when refused").isZero();
        assertThatThrownBy(() -> multiGet.onFailure(0, "unknown")).isInstanceOf(IllegalStateException.class);
        multiGet.release();
        ByteBuf late = reply("END\r\n");
        assertThatThrownBy(() -> multiGet.onReply(1, late)).isInstanceOf(IllegalStateException.class);
        assertThat(late.refCnt()).isZero();
        assertThatThrownBy(() -> multiGet.fragment(0)).isInstanceOf(IllegalStateException.class);
    }
}
