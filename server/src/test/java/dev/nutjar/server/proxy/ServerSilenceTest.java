package dev.nutjar.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ServerSilenceTest {
    private static final long TIMEOUT = 500;
    private final ServerSilence silence = new ServerSilence(TIMEOUT);

    @Test
    void aServerHeardWithinTheTimeoutIsNotLateAndIsLookedAtAgainWhenItMayBe() {
        silence.heard(1_000);

        assertThat(silence.late(1_400)).isFalse();
        assertThat(silence.lookAgainAt()).isEqualTo(1_500);
    }

    @Test
    void aSilenceIsConfirmedAtTheNextLookBeforeTheServerIsLate() {
        silence.heard(1_000);

        assertThat(silence.late(1_500)).as("first look: confirmed after the next poll").isFalse();
        assertThat(silence.lookAgainAt()).isEqualTo(1_500);
        assertThat(silence.late(1_501)).isTrue();
    }

    @Test
    void bytesBetweenTheTwoLooksEndTheSilence() {
        silence.heard(1_000);
        assertThat(silence.late(1_500)).isFalse();

        silence.heard(1_501);

        assertThat(silence.late(1_502)).isFalse();
        assertThat(silence.lookAgainAt()).isEqualTo(2_001);
    }

    @Test
    void oneStallIsOneFailureUntilItLastsAnotherTimeout() {
        silence.heard(0);

        assertThat(silence.newStall(600)).isTrue();
        assertThat(silence.newStall(610)).isFalse();
        assertThat(silence.newStall(1_099)).isFalse();
        assertThat(silence.newStall(1_100)).as("silent for another timeout").isTrue();
    }

    @Test
    void aStallAfterTheServerWasHeardAgainIsANewOne() {
        silence.heard(0);
        assertThat(silence.newStall(600)).isTrue();

        silence.heard(700);

        assertThat(silence.newStall(800)).isTrue();
    }
}
