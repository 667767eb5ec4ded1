package dev.nutjar.routing.internal;

import static dev.nutjar.routing.internal.KetamaDistributionTest.servers;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import dev.nutjar.routing.Distribution;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ModulaDistributionTest {

    private final ModulaDistribution modula = new ModulaDistribution();

    @Test
    void eachServerFillsWeightConsecutiveSlots() {
        Distribution.Selector selector = modula.newSelector(servers(2, 1));
        assertThat(selector.select(0)).isEqualTo(0);
        assertThat(selector.select(1)).isEqualTo(0);
        assertThat(selector.select(2)).isEqualTo(1);
        assertThat(selector.select(3)).isEqualTo(0);
    }

    @Test
    void slotIsTheUnsignedHashModuloTheTotalWeight() {
        Distribution.Selector selector = modula.newSelector(servers(1, 10, 100));
        assertThat(selector.select(0xffffffffL)).isEqualTo(slotOwner(0xffffffffL % 111, 1, 10, 100));
        assertThat(selector.select(0x80000000L)).isEqualTo(slotOwner(0x80000000L % 111, 1, 10, 100));
        assertThat(selector.select(111)).isEqualTo(0);
        assertThat(selector.select(111 + 1)).isEqualTo(1);
        assertThat(selector.select(111 + 11)).isEqualTo(2);
    }

    @Test
    void hugeWeightsAreSearchedNotMaterialized() {
        int[] weights = {70_000, 1, 5, 1 << 30};
        Distribution.Selector selector = modula.newSelector(servers(weights));
        long total = 70_000L + 1 + 5 + (1 << 30);
        for (long slot : new long[] {0, 69_999, 70_000, 70_001, 70_005, 70_006, total - 1}) {
            assertThat(selector.select(slot)).as("slot %d", slot).isEqualTo(slotOwner(slot, weights));
            assertThat(selector.select(slot + total)).isEqualTo(slotOwner(slot, weights));
        }
        SplittableRandom random = new SplittableRandom(5);
        for (int i = 0; i < 1000; i++) {
            long hash = random.nextLong(1L << 32);
            assertThat(selector.select(hash)).isEqualTo(slotOwner(hash % total, weights));
        }
    }

    @Test
    void needsAServer() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> modula.newSelector(List.of()))
                .withMessage("modula needs at least one live server (was: 0)");
    }

    private static int slotOwner(long slot, int... weights) {
        long end = 0;
        for (int s = 0; s < weights.length; s++) {
            end += weights[s];
            if (slot < end) {
                return s;
            }
        }
        throw new AssertionError("slot " + slot + " beyond " + end);
    }
}
