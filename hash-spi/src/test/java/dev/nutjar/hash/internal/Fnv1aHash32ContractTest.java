package dev.nutjar.hash.internal;

import dev.nutjar.hash.HashFunction;
import dev.nutjar.hash.HashFunctionContract;

class Fnv1aHash32ContractTest extends HashFunctionContract {
    @Override
    protected HashFunction function() {
        return new Fnv1aHash32();
    }

    @Override
    protected String expectedName() {
        return "fnv1a_32";
    }
}
