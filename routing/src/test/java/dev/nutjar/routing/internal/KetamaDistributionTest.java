package dev.nutjar.routing.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import dev.nutjar.routing.Distribution;
import dev.nutjar.routing.ServerSpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class KetamaDistributionTest {

    private final KetamaDistribution ketama = new KetamaDistribution();

    @Test
    void twentyFiveEqualServersGet156PointsEachNot160() {
        assertThat(pointCounts(weights(25, 1))).containsOnly(156).hasSize(25);
        assertThat(KetamaDistribution.pointCount(1, 25, 25)).isEqualTo(156);
    }

    @Test
    void equalServersUsuallyGet160Points() {
        assertThat(pointCounts(weights(3, 1))).containsExactly(160, 160, 160);
        assertThat(pointCounts(weights(7, 2))).containsOnly(160);
        assertThat(KetamaDistribution.pointCount(1, 1, 1)).isEqualTo(160);
    }

    @Test
    void pointCountsFollowSinglePrecisionArithmetic() {
        assertThat(pointCounts(5, 1, 8, 7, 4)).containsExactly(160, 28, 252, 224, 124);
        assertThat(pointCounts(1, 2)).containsExactly(104, 212);
        assertThat(pointCounts(1, 2, 1, 3, 1)).containsExactly(100, 200, 100, 300, 100);
    }

    @Test
    void aLightServerNextToAHeavyOneGetsNoPointsAtAll() {
        int[] counts = pointCounts(1, 100);
        assertThat(counts).containsExactly(0, 316);
        Distribution.Selector selector = ketama.newSelector(servers(1, 100));
        SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < 1000; i++) {
            assertThat(selector.select(random.nextLong(1L << 32))).isEqualTo(1);
        }
    }

    @Test
    void ringMatchesAStraightforwardModelOfNutcracker() throws Exception {
        List<ServerSpec> servers = servers(3, 1, 4, 1, 5);
        KetamaDistribution.KetamaSelector selector = (KetamaDistribution.KetamaSelector) ketama.newSelector(servers);
        List<long[]> model = modelRing(servers);
        assertThat(selector.pointValues()).containsExactly(model.stream().mapToLong(p -> p[0]).toArray());

        SplittableRandom random = new SplittableRandom(7);
        long[] hashes = new long[5000];
        for (int i = 0; i < hashes.length; i++) {
            hashes[i] = random.nextLong(1L << 32);
        }
        long[] edges = {0, 1, 0x7fffffffL, 0x80000000L, 0xffffffffL, model.get(0)[0], model.get(model.size() - 1)[0],
                model.get(model.size() - 1)[0] + 1, model.get(10)[0], model.get(10)[0] - 1, model.get(10)[0] + 1};
        for (long hash : concat(hashes, edges)) {
            assertThat(selector.select(hash)).as("hash %x", hash).isEqualTo(modelSelect(model, hash));
        }
    }

    @Test
    void keyGoesToTheFirstPointAtOrAboveItsHashAndWrapsAround() {
        KetamaDistribution.KetamaSelector selector = KetamaDistribution.KetamaSelector.of(
                new long[] {10, 20, 0x90000000L, 0xfffffff0L}, new int[] {0, 1, 2, 3});
        assertThat(selector.select(0)).isEqualTo(0);
        assertThat(selector.select(10)).isEqualTo(0);
        assertThat(selector.select(11)).isEqualTo(1);
        assertThat(selector.select(20)).isEqualTo(1);
        assertThat(selector.select(21)).isEqualTo(2);
        assertThat(selector.select(0x80000000L)).isEqualTo(2);
        assertThat(selector.select(0x90000000L)).isEqualTo(2);
        assertThat(selector.select(0x90000001L)).isEqualTo(3);
        assertThat(selector.select(0xfffffff0L)).isEqualTo(3);
        assertThat(selector.select(0xfffffff1L)).isEqualTo(0);
        assertThat(selector.select(0xffffffffL)).isEqualTo(0);
    }

    @Test
    void equalPointsGoToTheEarlierServer() {
        // Two servers with one name hash to the same points; glibc's stable sort keeps server 0 first.
        List<ServerSpec> twins = List.of(ServerSpec.parse("h:1:1 same"), ServerSpec.parse("h:2:1 same"));
        Distribution.Selector selector = ketama.newSelector(twins);
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < 1000; i++) {
            assertThat(selector.select(random.nextLong(1L << 32))).isZero();
        }
    }

    @Test
    void pointStringsAreCutAt272Bytes() {
        String base = "n".repeat(272);
        List<ServerSpec> longNames = List.of(ServerSpec.parse("h:1:1 " + base + "-tail-ignored"));
        List<ServerSpec> cut = List.of(ServerSpec.parse("h:1:1 " + base));
        long[] a = ((KetamaDistribution.KetamaSelector) ketama.newSelector(longNames)).pointValues();
        long[] b = ((KetamaDistribution.KetamaSelector) ketama.newSelector(cut)).pointValues();
        assertThat(a).containsExactly(b);
        // A 272-byte name leaves no room for "-<i>": every group hashes the same string, so 4 distinct values.
        assertThat(Arrays.stream(a).distinct().count()).isEqualTo(4);
    }

    @Test
    void survivorsOfEqualWeightKeepTheirPoints() {
        List<ServerSpec> three = servers(1, 1, 1);
        long[] all = ((KetamaDistribution.KetamaSelector) ketama.newSelector(three)).pointValues();
        long[] two = ((KetamaDistribution.KetamaSelector) ketama.newSelector(List.of(three.get(0), three.get(2))))
                .pointValues();
        assertThat(all).contains(two);
        assertThat(two).hasSize(320);
    }

    @Test
    void needsAServer() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ketama.newSelector(List.of()))
                .withMessage("ketama needs at least one live server (was: 0)");
    }

    @Test
    void totalWeightMustFitNutcrackersUint32() {
        List<ServerSpec> heavy = servers(Integer.MAX_VALUE, Integer.MAX_VALUE, 2);
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ketama.newSelector(heavy))
                .withMessage("the servers' weights must add up to at most 4294967295 (was: 4294967296)");
    }

    // ------------------------------------------------------------------ helpers

    private int[] pointCounts(int... weights) {
        List<ServerSpec> servers = servers(weights);
        return ((KetamaDistribution.KetamaSelector) ketama.newSelector(servers)).pointCounts(servers.size());
    }

    static int[] weights(int count, int weight) {
        int[] weights = new int[count];
        Arrays.fill(weights, weight);
        return weights;
    }

    static List<ServerSpec> servers(int... weights) {
        List<ServerSpec> servers = new ArrayList<>();
        for (int i = 0; i < weights.length; i++) {
            servers.add(ServerSpec.parse("10.0.0." + (i + 1) + ":6379:" + weights[i]));
        }
        return servers;
    }

    /** nutcracker's ring, written plainly: (value, server) pairs, stable-sorted by unsigned value. */
    private static List<long[]> modelRing(List<ServerSpec> servers) throws Exception {
        long total = servers.stream().mapToLong(ServerSpec::weight).sum();
        List<long[]> points = new ArrayList<>();
        for (int s = 0; s < servers.size(); s++) {
            int count = KetamaDistribution.pointCount(servers.get(s).weight(), total, servers.size());
            for (int i = 0; i < count / 4; i++) {
                byte[] digest = MessageDigest.getInstance("MD5")
                        .digest((servers.get(s).name() + "-" + i).getBytes(StandardCharsets.UTF_8));
                for (int x = 0; x < 4; x++) {
                    long value = (digest[4 * x] & 0xffL) | (digest[4 * x + 1] & 0xffL) << 8
                            | (digest[4 * x + 2] & 0xffL) << 16 | (digest[4 * x + 3] & 0xffL) << 24;
                    points.add(new long[] {value, s});
                }
            }
        }
        points.sort(Comparator.comparingLong(p -> p[0]));
        return points;
    }

    private static int modelSelect(List<long[]> ring, long hash) {
        for (long[] point : ring) {
            if (point[0] >= hash) {
                return (int) point[1];
            }
        }
        return (int) ring.get(0)[1];
    }

    private static long[] concat(long[] a, long[] b) {
        long[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
