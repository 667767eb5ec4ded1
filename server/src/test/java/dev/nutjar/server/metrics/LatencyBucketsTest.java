package dev.nutjar.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LatencyBucketsTest {
    @Test
    void aValueGoesToTheFirstBucketWhoseBoundHoldsIt() {
        assertThat(LatencyBuckets.index(0)).isZero();
        assertThat(LatencyBuckets.index(25_000)).isZero();
        assertThat(LatencyBuckets.index(25_001)).isEqualTo(1);
        assertThat(LatencyBuckets.label(LatencyBuckets.index(180_000))).isEqualTo("0.00025");
        assertThat(LatencyBuckets.label(LatencyBuckets.index(1_000_000))).isEqualTo("0.001");
        assertThat(LatencyBuckets.label(LatencyBuckets.index(10_000_000_000L))).isEqualTo("10");
        assertThat(LatencyBuckets.index(10_000_000_001L)).isEqualTo(LatencyBuckets.COUNT - 1);
        assertThat(LatencyBuckets.label(LatencyBuckets.COUNT - 1)).isEqualTo("+Inf");
        assertThat(LatencyBuckets.index(Long.MAX_VALUE)).isEqualTo(LatencyBuckets.COUNT - 1);
    }

    @Test
    void theIndexAgreesWithASearchOfTheBoundsAroundEveryBoundAndPowerOfTwo() {
        List<Long> values = new ArrayList<>(List.of(Long.MIN_VALUE, -1L, 0L, 1L, Long.MAX_VALUE));
        for (int i = 0; i < LatencyBuckets.COUNT - 1; i++) {
            long bound = Math.round(Double.parseDouble(LatencyBuckets.label(i)) * 1e9);
            values.addAll(List.of(bound - 1, bound, bound + 1));
        }
        for (int bit = 0; bit < 63; bit++) {
            long power = 1L << bit;
            values.addAll(List.of(power - 1, power, power + 1));
        }
        for (long value : values) {
            assertThat(LatencyBuckets.index(value)).as("bucket of %d ns", value).isEqualTo(bySearch(value));
        }
    }

    /** The first bucket whose bound is at least {@code nanos}, found the slow way. */
    private static int bySearch(long nanos) {
        for (int i = 0; i < LatencyBuckets.COUNT - 1; i++) {
            if (nanos <= Math.round(Double.parseDouble(LatencyBuckets.label(i)) * 1e9)) {
                return i;
            }
        }
        return LatencyBuckets.COUNT - 1;
    }

    @Test
    void boundsRiseFrom25MicrosecondsTo10Seconds() {
        double previous = 0;
        for (int i = 0; i < LatencyBuckets.COUNT - 1; i++) {
            double bound = Double.parseDouble(LatencyBuckets.label(i));
            assertThat(bound).isGreaterThan(previous);
            previous = bound;
        }
        assertThat(LatencyBuckets.label(0)).isEqualTo("2.5e-05");
        assertThat(previous).isEqualTo(10.0);
    }
}
