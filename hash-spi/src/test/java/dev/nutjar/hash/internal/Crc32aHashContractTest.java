package dev.nutjar.hash.internal;

import dev.nutjar.hash.HashFunction;
import dev.nutjar.hash.HashFunctionContract;

class Crc32aHashContractTest extends HashFunctionContract {
    @Override
    protected HashFunction function() {
        return new Crc32aHash();
    }

    @Override
    protected String expectedName() {
        return "crc32a";
    }
}
