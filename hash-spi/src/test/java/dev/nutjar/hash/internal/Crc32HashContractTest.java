package dev.nutjar.hash.internal;

import dev.nutjar.hash.HashFunction;
import dev.nutjar.hash.HashFunctionContract;

class Crc32HashContractTest extends HashFunctionContract {
    @Override
    protected HashFunction function() {
        return new Crc32Hash();
    }

    @Override
    protected String expectedName() {
        return "crc32";
    }
}
