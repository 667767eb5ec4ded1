package com.example.nutjar;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nutjar.hash.HashFunction;
import dev.nutjar.hash.HashFunctionContract;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The plugin proves itself with the contract tests hash-spi publishes in its test-jar. */
class Djb2HashContractTest extends HashFunctionContract {
    @Override
    protected HashFunction function() {
        return new Djb2Hash();
    }

    @Override
    protected String expectedName() {
        return "djb2";
    }

    @Test
    void knownAnswers() {
        assertThat(new Djb2Hash().hash(new byte[0])).isEqualTo(5381L);
        assertThat(new Djb2Hash().hash("a".getBytes(StandardCharsets.US_ASCII))).isEqualTo(177670L);
    }
}
