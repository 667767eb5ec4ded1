package dev.nutjar.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

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
