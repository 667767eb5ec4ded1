package dev.nutjar.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import dev.nutjar.routing.internal.KetamaDistribution;
import dev.nutjar.routing.internal.ModulaDistribution;
import dev.nutjar.routing.internal.RandomDistribution;
import org.junit.jupiter.api.Test;

class DistributionsTest {

    @Test
    void builtInsAreFoundThroughServiceLoader() {
        assertThat(Distributions.registry().names()).containsExactly("ketama", "modula", "random");
        assertThat(Distributions.get("ketama")).isInstanceOf(KetamaDistribution.class);
        assertThat(Distributions.get("modula")).isInstanceOf(ModulaDistribution.class);
        assertThat(Distributions.get("random")).isInstanceOf(RandomDistribution.class);
        assertThat(Distributions.get(Distributions.DEFAULT).name()).isEqualTo("ketama");
    }

    @Test
    void unknownNameListsTheValidOnes() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> Distributions.get("vnode"))
                .withMessage("unknown distribution 'vnode'; valid names: ketama, modula, random");
    }
}
