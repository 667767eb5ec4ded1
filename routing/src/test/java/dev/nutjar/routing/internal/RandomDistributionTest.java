package dev.nutjar.routing.internal;

import static dev.nutjar.routing.internal.KetamaDistributionTest.servers;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nutjar.routing.Distribution;
import org.junit.jupiter.api.Test;

class RandomDistributionTest {

    @Test
    void picksAmongAllLiveServersIgnoringHashAndWeights() {
        Distribution.Selector selector = new RandomDistribution().newSelector(servers(1, 1000, 1));
        int[] picks = new int[3];
        for (int i = 0; i < 3000; i++) {
            picks[selector.select(42)]++;
        }
        // Uniform: each expects 1000; the chance of any one falling under 800 is negligible (< 1e-10).
        assertThat(java.util.Arrays.stream(picks).min().getAsInt()).as("picks %s", java.util.Arrays.toString(picks)).isGreaterThan(800);
    }

    @Test
    void oneServerIsAlwaysChosen() {
        Distribution.Selector selector = new RandomDistribution().newSelector(servers(5));
        for (int i = 0; i < 100; i++) {
            assertThat(selector.select(i)).isZero();
        }
    }
}
