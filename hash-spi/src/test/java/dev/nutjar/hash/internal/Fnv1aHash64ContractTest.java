package dev.nutjar.hash.internal;

import dev.nutjar.hash.HashFunction;
import dev.nutjar.hash.HashFunctionContract;

class Fnv1aHash64ContractTest extends HashFunctionContract {
    @Override
    protected HashFunction function() {
        return new Fnv1aHash64();
    }

    @Override
    protected String expectedName() {
        return "fnv1a_64";
    }
}
