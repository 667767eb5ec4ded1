package dev.nutjar.hash.internal;

import dev.nutjar.hash.HashFunction;
import dev.nutjar.hash.HashFunctionContract;

class MurmurHashContractTest extends HashFunctionContract {
    @Override
    protected HashFunction function() {
        return new MurmurHash();
    }

    @Override
    protected String expectedName() {
        return "murmur";
    }
}
