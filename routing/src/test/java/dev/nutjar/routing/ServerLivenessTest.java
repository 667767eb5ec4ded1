package dev.nutjar.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link ServerLiveness} on its own, its time moved by hand. */
class ServerLivenessTest {
    private long now = 1_000;
    private final List<String> events = new ArrayList<>();
    private final ServerLiveness.Listener listener = new ServerLiveness.Listener() {
        @Override
        public void serverEjected(int server) {
            events.add("ejected " + server);
        }

        @Override
        public void serverReturned(int server) {
            events.add("returned " + server);
        }
    };

    private ServerLiveness liveness(boolean autoEject) {
        return new ServerLiveness(3, autoEject, 2, 100, () -> now,
                Clock.fixed(Instant.ofEpochSecond(7), ZoneOffset.UTC), listener);
    }

    @Test
    void aServerLeavesAtTheFailureLimitAndReturnsAfterItsRetryTime() {
        ServerLiveness liveness = liveness(true);
        ServerLiveness.LiveSet before = liveness.current();
        liveness.recordFailure(1);
        assertThat(liveness.current()).as("one failure changes nothing").isSameAs(before);
        liveness.recordFailure(1);
        assertThat(liveness.isEjected(1)).isTrue();
        assertThat(liveness.current().liveServers).containsExactly(0, 2);
        assertThat(liveness.lastEjectedAtMicros(1)).isEqualTo(7_000_000L);

        now += TimeUnit.MILLISECONDS.toNanos(100) - 1;
        assertThat(liveness.current().liveServers).containsExactly(0, 2);
        now += 1;
        assertThat(liveness.current().liveServers).containsExactly(0, 1, 2);
        assertThat(events).containsExactly("ejected 1", "returned 1");
        assertThat(liveness.ejectionCount()).isEqualTo(1);
    }

    @Test
    void aSuccessResetsTheCount() {
        ServerLiveness liveness = liveness(true);
        liveness.recordFailure(0);
        liveness.recordSuccess(0);
        liveness.recordFailure(0);
        assertThat(liveness.isEjected(0)).isFalse();
        assertThat(liveness.consecutiveFailures(0)).isEqualTo(1);
    }

    @Test
    void withoutAutoEjectNothingLeaves() {
        ServerLiveness liveness = liveness(false);
        for (int i = 0; i < 10; i++) {
            liveness.recordFailure(2);
        }
        assertThat(liveness.liveServerCount()).isEqualTo(3);
        assertThat(events).isEmpty();
    }
}
