package dev.nutjar.hash.internal;

import dev.nutjar.hash.HashFunction;
import dev.nutjar.hash.HashFunctionContract;

class Fnv1Hash64ContractTest extends HashFunctionContract {
    @Override
    protected HashFunction function() {
        return new Fnv1Hash64();
    }

    @Override
    protected String expectedName() {
        return "fnv1_64";
    }
}
