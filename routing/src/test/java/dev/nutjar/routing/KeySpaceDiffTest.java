package dev.nutjar.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KeySpaceDiffTest {
    private static ServerPool pool(String distribution, int servers) {
        return pool(distribution, servers, "fnv1a_64");
    }

    private static ServerPool pool(String distribution, int servers, String hash) {
        List<ServerSpec> specs = new ArrayList<>();
        for (int i = 1; i <= servers; i++) {
            specs.add(ServerSpec.parse("127.0.0.1:" + (7000 + i) + ":1 server" + i));
        }
        return ServerPool.builder("p").servers(specs).distribution(Distributions.get(distribution))
                .hashFunction(dev.nutjar.hash.HashFunctions.get(hash)).build();
    }

    @Test
    void addingAnEleventhKetamaServerMovesAboutOneEleventhAllToIt() {
        KeySpaceDiff diff = KeySpaceDiff.between(pool("ketama", 10), pool("ketama", 11));
        assertThat(diff.exact()).isTrue();
        assertThat(diff.movedFraction()).isCloseTo(1.0 / 11, within(0.02));
        assertThat(diff.moves()).allMatch(move -> move.to().name().equals("server11")).hasSize(10);
    }

    @Test
    void modulaFromThreeToFourServersIsCountedExactly() {
        // A hash stays where h % 3 == h % 4, residues 0, 1, 2 of 12; 2^32 = 12 * 357913941 + 4.
        long stays = 3 * 357_913_941L + 3;
        KeySpaceDiff diff = KeySpaceDiff.between(pool("modula", 3), pool("modula", 4));
        assertThat(diff.movedHashes()).isEqualTo(KeySpaceDiff.HASH_SPACE - stays);
    }

    @Test
    void everyRangeOfTwoKetamaRingsHasOneOwnerInEach() {
        ServerPool before = pool("ketama", 5);
        ServerPool after = pool("ketama", 6);
        Distribution.Selector a = before.configuredSelector();
        Distribution.Selector b = after.configuredSelector();
        long[] starts = a.rangeStarts();
        for (int i = 0; i < starts.length; i++) {
            long end = i + 1 < starts.length ? starts[i + 1] : KeySpaceDiff.HASH_SPACE;
            assertThat(a.select(end - 1)).as("range %d", i).isEqualTo(a.select(starts[i]));
        }
        assertThat(b.rangeStarts()[0]).isZero();
    }

    @Test
    void ketamaToModulaAndBackMoveTheSameShare() {
        KeySpaceDiff there = KeySpaceDiff.between(pool("ketama", 4), pool("modula", 4));
        KeySpaceDiff back = KeySpaceDiff.between(pool("modula", 4), pool("ketama", 4));
        assertThat(there.exact()).isTrue();
        assertThat(there.movedHashes()).isEqualTo(back.movedHashes());
        Map<String, Long> forward = there.movesByName();
        back.movesByName().forEach((pair, hashes) -> {
            String[] names = pair.split(" → ");
            assertThat(forward.get(names[1] + " → " + names[0])).as(pair).isEqualTo(hashes);
        });
    }

    @Test
    void randomOrANewHashFunctionHasNoExactAnswer() {
        assertThat(KeySpaceDiff.between(pool("ketama", 3), pool("random", 3)).exact()).isFalse();
        KeySpaceDiff rehashed = KeySpaceDiff.between(pool("ketama", 3), pool("ketama", 3, "murmur"));
        assertThat(rehashed.exact()).isFalse();
        assertThat(rehashed.movedFraction()).isEqualTo(1.0);
        assertThat(rehashed.inexactReason()).hasValueSatisfying(r -> assertThat(r).contains("hash function"));
    }

    @Test
    void randomKeysMoveInTheExactShare() {
        checkAgainstRandomKeys(pool("ketama", 10), pool("ketama", 11));
        checkAgainstRandomKeys(pool("modula", 3), pool("modula", 4));
        checkAgainstRandomKeys(pool("ketama", 4), pool("modula", 5));
        checkAgainstRandomKeys(pool("modula", 5), pool("ketama", 3));
    }

    /** 200000 random keys: the share that moves is the exact share, within five standard deviations. */
    private static void checkAgainstRandomKeys(ServerPool before, ServerPool after) {
        KeySpaceDiff diff = KeySpaceDiff.between(before, after);
        java.util.Random random = new java.util.Random(42);
        int keys = 200_000;
        int moved = 0;
        for (int i = 0; i < keys; i++) {
            byte[] key = ("key:" + random.nextLong()).getBytes(java.nio.charset.StandardCharsets.UTF_8);
            if (!KeySpaceDiff.sameServer(before.server(before.route(key)), after.server(after.route(key)))) {
                moved++;
            }
        }
        double p = diff.movedFraction();
        double sigma = Math.sqrt(p * (1 - p) / keys);
        assertThat((double) moved / keys).as("%s -> %s", before, after).isCloseTo(p, within(5 * sigma + 1e-9));
    }

    @Test
    void theSameRingMovesNothing() {
        assertThat(KeySpaceDiff.between(pool("ketama", 3), pool("ketama", 3)).movedHashes()).isZero();
        assertThat(KeySpaceDiff.between(pool("modula", 3), pool("modula", 3)).movedHashes()).isZero();
    }
}
