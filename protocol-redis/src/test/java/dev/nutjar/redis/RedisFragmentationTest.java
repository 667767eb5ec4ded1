package dev.nutjar.redis;

import static dev.nutjar.redis.Codec.bytes;
import static dev.nutjar.redis.Codec.command;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RedisFragmentationTest {

    private final ByteBufAllocator alloc = new PooledByteBufAllocator(false);
    private final List<ByteBuf> created = new ArrayList<>();
    private final List<ByteBuf> inputs = new ArrayList<>();

    /** Every buffer a test made, and the client input, must be fully released. */
    @AfterEach
    void everythingIsReleased() {
        for (ByteBuf input : inputs) {
            input.release();
            assertThat(input.refCnt()).isZero();
        }
        for (ByteBuf buf : created) {
            assertThat(buf.refCnt()).isZero();
        }
    }

    private RedisRequest parse(String... args) {
        ByteBuf input = Unpooled.copiedBuffer(bytes(command(args)));
        inputs.add(input);
        RedisRequest request = new RedisRequestParser().parse(input);
        assertThat(request.error()).isNull();
        return request;
    }

    private ByteBuf reply(String text) {
        ByteBuf buf = alloc.buffer().writeBytes(bytes(text));
        created.add(buf);
        return buf;
    }

    private String merge(RedisFragmentation fragmentation) {
        ByteBuf merged = fragmentation.merge(alloc);
        String text = Codec.string(merged);
        merged.release();
        return text;
    }

    private static List<String> requests(RedisFragmentation fragmentation) {
        List<String> requests = new ArrayList<>();
        for (int i = 0; i < fragmentation.fragmentCount(); i++) {
            ByteBuf out = fragmentation.request(i, ByteBufAllocator.DEFAULT);
            assertThat(out.readableBytes()).isEqualTo(fragmentation.requestSize(i));
            requests.add(Codec.string(out));
            out.release();
        }
        return requests;
    }

    @Test
    void mgetSplitsPerServerInFirstAppearanceOrderAndMergesInKeyOrder() {
        RedisRequest request = parse("MGET", "a", "b", "c", "d");
        RedisFragmentation fragmentation = RedisFragmentation.split(request, new int[] {5, 3, 5, 9});
        request.release();

        assertThat(fragmentation.fragmentCount()).isEqualTo(3);
        assertThat(List.of(fragmentation.server(0), fragmentation.server(1), fragmentation.server(2)))
                .containsExactly(5, 3, 9);
        assertThat(List.of(fragmentation.keyCount(0), fragmentation.keyCount(1), fragmentation.keyCount(2)))
                .containsExactly(2, 1, 1);
        assertThat(requests(fragmentation)).containsExactly(
                "*3\r\n$4\r\nmget\r\n$1\r\na\r\n$1\r\nc\r\n",
                "*2\r\n$4\r\nmget\r\n$1\r\nb\r\n",
                "*2\r\n$4\r\nmget\r\n$1\r\nd\r\n");

        // Replies arrive in any order.
        assertThat(fragmentation.reply(2, reply("*1\r\n$-1\r\n"))).isFalse();
        assertThat(fragmentation.reply(0, reply("*2\r\n$5\r\nvalue\r\n$-1\r\n"))).isFalse();
        assertThat(fragmentation.isComplete()).isFalse();
        assertThat(fragmentation.reply(1, reply("*1\r\n$0\r\n\r\n"))).isTrue();
        assertThat(fragmentation.isComplete()).isTrue();
        assertThat(merge(fragmentation)).isEqualTo("*4\r\n$5\r\nvalue\r\n$0\r\n\r\n$-1\r\n$-1\r\n");
    }

    @Test
    void mgetSharesLargeValuesWithTheFragmentRepliesAndCopiesSmallOnes() {
        String large = "x".repeat(RedisFragmentation.SHARE_MIN);
        String larger = "y".repeat(RedisFragmentation.SHARE_MIN + 1);
        RedisRequest request = parse("MGET", "a", "b", "c", "d", "e");
        RedisFragmentation fragmentation = RedisFragmentation.split(request, new int[] {0, 1, 0, 1, 0});
        request.release();
        ByteBuf first = reply("*3\r\n$" + large.length() + "\r\n" + large + "\r\n$1\r\nc\r\n$-1\r\n");
        ByteBuf second = reply("*2\r\n$2\r\nbb\r\n$" + larger.length() + "\r\n" + larger + "\r\n");
        fragmentation.reply(0, first);
        fragmentation.reply(1, second);

        ByteBuf merged = fragmentation.merge(alloc);
        // Given up by the fragmentation, the replies live on in the merged reply's views of them.
        assertThat(first.refCnt()).isPositive();
        assertThat(second.refCnt()).isPositive();
        assertThat(Codec.string(merged)).isEqualTo("*5\r\n$" + large.length() + "\r\n" + large + "\r\n"
                + "$2\r\nbb\r\n$1\r\nc\r\n$" + larger.length() + "\r\n" + larger + "\r\n$-1\r\n");
        assertThat(merged).isInstanceOf(CompositeByteBuf.class);
        // Header, large, "bb" and "c" copied together, larger, the last nil: five parts.
        assertThat(((CompositeByteBuf) merged).numComponents()).isEqualTo(5);
        merged.release();
    }

    @Test
    void mgetOfSmallValuesIsOneCopiedBuffer() {
        RedisRequest request = parse("MGET", "a", "b");
        RedisFragmentation fragmentation = RedisFragmentation.split(request, new int[] {0, 1});
        request.release();
        fragmentation.reply(0, reply("*1\r\n$1\r\n1\r\n"));
        fragmentation.reply(1, reply("*1\r\n$1\r\n2\r\n"));
        ByteBuf merged = fragmentation.merge(alloc);
        assertThat(merged).isNotInstanceOf(CompositeByteBuf.class);
        assertThat(Codec.string(merged)).isEqualTo("*2\r\n$1\r\n1\r\n$1\r\n2\r\n");
        merged.release();
    }

    @Test
    void everyFragmentedCommandUsesItsLowerCaseName() {
        for (String name : List.of("DEL", "Unlink", "touch", "EXISTS")) {
            RedisRequest request = parse(name, "k1", "k2");
            RedisFragmentation fragmentation = RedisFragmentation.split(request, new int[] {0, 1});
            request.release();
            String lower = name.toLowerCase();
            assertThat(requests(fragmentation)).containsExactly(
                    "*2\r\n$" + lower.length() + "\r\n" + lower + "\r\n$2\r\nk1\r\n",
                    "*2\r\n$" + lower.length() + "\r\n" + lower + "\r\n$2\r\nk2\r\n");
            fragmentation.release();
        }
    }

    @Test
    void msetSendsPairs() {
        RedisRequest request = parse("MSET", "a", "1", "b", "22", "c", "333");
        RedisFragmentation fragmentation = RedisFragmentation.split(request, new int[] {0, 1, 0});
        assertThat(requests(fragmentation)).containsExactly(
                "*5\r\n$4\r\nmset\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nc\r\n$3\r\n333\r\n",
                "*3\r\n$4\r\nmset\r\n$1\r\nb\r\n$2\r\n22\r\n");
        fragmentation.reply(0, reply("+OK\r\n"));
        fragmentation.reply(1, reply("+OK\r\n"));
        assertThat(merge(fragmentation)).isEqualTo("+OK\r\n");
        request.release();
    }

    @Test
    void duplicateKeysAreKept() {
        RedisRequest request = parse("DEL", "a", "b", "a");
        RedisFragmentation fragmentation = RedisFragmentation.split(request, new int[] {0, 1, 0});
        request.release();
        assertThat(requests(fragmentation)).containsExactly(
                "*3\r\n$3\r\ndel\r\n$1\r\na\r\n$1\r\na\r\n", "*2\r\n$3\r\ndel\r\n$1\r\nb\r\n");
        fragmentation.reply(0, reply(":1\r\n"));
        fragmentation.reply(1, reply(":1\r\n"));
        assertThat(merge(fragmentation)).isEqualTo(":2\r\n");
    }

    @Test
    void countsAreSummed() {
        RedisRequest request = parse("EXISTS", "a", "b", "c", "d");
        RedisFragmentation fragmentation = RedisFragmentation.split(request, new int[] {0, 1, 2, 1});
        request.release();
        fragmentation.reply(1, reply(":2\r\n"));
        fragmentation.reply(0, reply(":0\r\n"));
        fragmentation.reply(2, reply(":1\r\n"));
        assertThat(merge(fragmentation)).isEqualTo(":3\r\n");
    }

    @Test
    void allKeysOnOneServerForwardTheRequestVerbatimAndPassTheReplyThrough() {
        String original = command("MGET", "A", "b");
        RedisRequest request = parse("MGET", "A", "b");
        RedisFragmentation fragmentation = RedisFragmentation.split(request, new int[] {4, 4});
        request.release();
        assertThat(fragmentation.fragmentCount()).isEqualTo(1);
        assertThat(fragmentation.server(0)).isEqualTo(4);
        assertThat(requests(fragmentation)).containsExactly(original);
        ByteBuf out = Unpooled.buffer();
        fragmentation.writeRequest(0, out);
        assertThat(Codec.string(out)).isEqualTo(original);
        out.release();
        ByteBuf reply = reply("*2\r\n$1\r\nx\r\n$-1\r\n");
        fragmentation.reply(0, reply);
        ByteBuf merged = fragmentation.merge(alloc);
        assertThat(merged).isSameAs(reply);
        merged.release();
    }

    @Test
    void aFragmentErrorIsPassedOn() {
        RedisRequest request = parse("MGET", "a", "b", "c");
        RedisFragmentation fragmentation = RedisFragmentation.split(request, new int[] {0, 1, 2});
        request.release();
        fragmentation.reply(0, reply("*1\r\n$1\r\nx\r\n"));
        fragmentation.reply(2, reply("-WRONGTYPE second\r\n"));
        fragmentation.reply(1, reply("-NOAUTH Authentication required.\r\n"));
        assertThat(merge(fragmentation)).isEqualTo("-NOAUTH Authentication required.\r\n");
    }

    @Test
    void aFailedFragmentFailsTheWholeCommand() {
        RedisRequest request = parse("DEL", "a", "b");
        RedisFragmentation fragmentation = RedisFragmentation.split(request, new int[] {0, 1});
        request.release();
        assertThat(fragmentation.reply(0, reply(":1\r\n"))).isFalse();
        assertThat(fragmentation.fail(1, "ERR Connection refused")).isTrue();
        assertThat(merge(fragmentation)).isEqualTo("-ERR Connection refused\r\n");
    }

    @Test
    void theFirstFailureInFragmentOrderWins() {
        RedisRequest request = parse("MSET", "a", "1", "b", "2", "c", "3");
        RedisFragmentation fragmentation = RedisFragmentation.split(request, new int[] {0, 1, 2});
        request.release();
        fragmentation.reply(0, reply("+OK\r\n"));
        fragmentation.reply(2, reply("-ERR later\r\n"));
        fragmentation.fail(1, "ERR Connection timed out");
        assertThat(merge(fragmentation)).isEqualTo("-ERR Connection timed out\r\n");
    }

    @Test
    void unexpectedRepliesGiveTwemproxysInvalidArgument() {
        String[][] cases = {
            {"MGET", ":1\r\n"},
            {"MGET", "*2\r\n$1\r\nx\r\n$1\r\ny\r\n"},
            {"DEL", "+OK\r\n"},
            {"DEL", "$1\r\n1\r\n"},
            {"MSET", ":1\r\n"},
        };
        for (String[] c : cases) {
            RedisRequest request = c[0].equals("MSET") ? parse(c[0], "a", "1", "b", "2") : parse(c[0], "a", "b");
            RedisFragmentation fragmentation = RedisFragmentation.split(request, new int[] {0, 1});
            request.release();
            String good = switch (c[0]) {
                case "MGET" -> "*1\r\n$-1\r\n";
                case "DEL" -> ":1\r\n";
                default -> "+OK\r\n";
            };
            fragmentation.reply(0, reply(good));
            fragmentation.reply(1, reply(c[1]));
            assertThat(merge(fragmentation)).as(c[0] + " " + c[1]).isEqualTo("-ERR Invalid argument\r\n");
        }
    }

    @Test
    void mgetElementsMayBeAnyValue() {
        RedisRequest request = parse("MGET", "a", "b");
        RedisFragmentation fragmentation = RedisFragmentation.split(request, new int[] {0, 1});
        request.release();
        fragmentation.reply(0, reply("*1\r\n*2\r\n:1\r\n$2\r\nhi\r\n"));
        fragmentation.reply(1, reply("*1\r\n+simple\r\n"));
        assertThat(merge(fragmentation)).isEqualTo("*2\r\n*2\r\n:1\r\n$2\r\nhi\r\n+simple\r\n");
    }

    @Test
    void manyKeys() {
        String[] args = new String[1001];
        args[0] = "MGET";
        int[] servers = new int[1000];
        for (int i = 0; i < 1000; i++) {
            args[i + 1] = "k" + i;
            servers[i] = (i * 7) % 13;
        }
        RedisRequest request = parse(args);
        RedisFragmentation fragmentation = RedisFragmentation.split(request, servers);
        request.release();
        assertThat(fragmentation.fragmentCount()).isEqualTo(13);
        for (int f = 0; f < 13; f++) {
            // Each server echoes its keys as values.
            int server = fragmentation.server(f);
            StringBuilder reply = new StringBuilder("*" + fragmentation.keyCount(f) + "\r\n");
            for (int i = 0; i < 1000; i++) {
                if (servers[i] == server) {
                    reply.append("$").append(("k" + i).length()).append("\r\n").append("k").append(i).append("\r\n");
                }
            }
            fragmentation.reply(f, reply(reply.toString()));
        }
        StringBuilder expected = new StringBuilder("*1000\r\n");
        for (int i = 0; i < 1000; i++) {
            expected.append("$").append(("k" + i).length()).append("\r\n").append("k").append(i).append("\r\n");
        }
        assertThat(merge(fragmentation)).isEqualTo(expected.toString());
    }

    @Test
    void releaseWithoutMergeFreesRequestAndReplies() {
        RedisRequest request = parse("MGET", "a", "b");
        RedisFragmentation fragmentation = RedisFragmentation.split(request, new int[] {0, 1});
        assertThat(request.refCnt()).isEqualTo(2);
        request.release();
        fragmentation.reply(0, reply("*1\r\n$-1\r\n"));
        fragmentation.release();
        fragmentation.release();
        assertThatThrownBy(() -> fragmentation.merge(alloc)).isInstanceOf(IllegalStateException.class);
        ByteBuf late = reply("*1\r\n$-1\r\n");
        assertThatThrownBy(() -> fragmentation.reply(1, late)).isInstanceOf(IllegalStateException.class);
        assertThat(late.refCnt()).isZero();
    }

    @Test
    void misuseIsRefused() {
        RedisRequest request = parse("MGET", "a", "b");
        RedisFragmentation fragmentation = RedisFragmentation.split(request, new int[] {0, 1});
        request.release();
        assertThatThrownBy(() -> fragmentation.merge(alloc)).isInstanceOf(IllegalStateException.class);
        fragmentation.reply(0, reply("*1\r\n$-1\r\n"));
        ByteBuf twice = reply("*1\r\n$-1\r\n");
        assertThatThrownBy(() -> fragmentation.reply(0, twice)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> fragmentation.fail(0, "ERR x")).isInstanceOf(IllegalStateException.class);
        ByteBuf outOfRange = reply("*1\r\n$-1\r\n");
        assertThatThrownBy(() -> fragmentation.reply(2, outOfRange)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThat(twice.refCnt()).isZero();
        assertThat(outOfRange.refCnt()).isZero();
        fragmentation.release();

        RedisRequest get = parse("GET", "a");
        assertThatThrownBy(() -> RedisFragmentation.split(get, new int[] {0}))
                .isInstanceOf(IllegalArgumentException.class);
        RedisRequest del = parse("DEL", "a", "b");
        assertThatThrownBy(() -> RedisFragmentation.split(del, new int[] {0}))
                .isInstanceOf(IllegalArgumentException.class);
        get.release();
        del.release();
    }

    @Test
    void sameServerCommandsCountOnlyTheirKeys() {
        RedisRequest msetnx = parse("MSETNX", "a", "1", "b", "2");
        assertThat(msetnx.keyCount()).isEqualTo(2);
        msetnx.release();

        RedisRequest eval = parse("EVAL", "return 1", "2", "k1", "k2", "arg");
        assertThat(eval.keyCount()).isEqualTo(2);
        eval.release();
    }
}
